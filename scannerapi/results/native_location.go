package results

import (
	"encoding/json"
	"math"
	"path"
	"strconv"
	"strings"
)

// nativeLocation sets the path and lines of finding. A path without lines is
// a file-level finding on line 1, and lines without a path are rejected.
func nativeLocation(fields map[string]json.RawMessage, jsonPath string, limits Limits, finding *Finding) error {
	filePath, err := nativePath(fields, jsonPath, limits)
	if err != nil {
		return err
	}
	startLine, err := optionalLine(fields, "start_line", jsonPath)
	if err != nil {
		return err
	}
	endLine, err := optionalLine(fields, "end_line", jsonPath)
	if err != nil {
		return err
	}
	switch {
	case filePath == "" && (startLine != 0 || endLine != 0):
		return fieldErrorf(jsonPath+".path", "missing while start_line or end_line is set; "+
			"send the file path or drop the lines")
	case startLine == 0 && endLine != 0:
		return fieldErrorf(jsonPath+".start_line", "missing while end_line is set; send both")
	case endLine != 0 && endLine < startLine:
		return fieldErrorf(jsonPath+".end_line", "is %d, before start_line %d; send an end_line "+
			"at or after start_line", endLine, startLine)
	}
	if filePath != "" && startLine == 0 {
		startLine = 1
	}
	if endLine == 0 {
		endLine = startLine
	}
	finding.Path, finding.StartLine, finding.EndLine = filePath, startLine, endLine
	return nil
}

// nativePath validates the optional path: relative to the repository root,
// slash-separated, inside the repository. It returns the cleaned path.
func nativePath(fields map[string]json.RawMessage, jsonPath string, limits Limits) (string, error) {
	value, err := optionalString(fields, "path", jsonPath)
	if err != nil || value == "" {
		return "", err
	}
	field := jsonPath + ".path"
	if len(value) > limits.MaxPathBytes {
		return "", fieldErrorf(field, "is %d bytes long; the maximum is %d", len(value),
			limits.MaxPathBytes)
	}
	if strings.IndexByte(value, 0) >= 0 {
		return "", fieldErrorf(field, "contains a NUL character; remove it")
	}
	if strings.HasPrefix(value, "/") || strings.HasPrefix(value, `\`) || hasDriveLetter(value) {
		return "", fieldErrorf(field, "%q is absolute; send the path relative to the "+
			"repository root, such as src/main.go", value)
	}
	cleaned := path.Clean(value)
	if cleaned == "." {
		return "", fieldErrorf(field, "%q names the repository root; send a file path", value)
	}
	if cleaned == ".." || strings.HasPrefix(cleaned, "../") {
		return "", fieldErrorf(field, "%q leaves the repository; send a path inside it", value)
	}
	return cleaned, nil
}

// hasDriveLetter reports whether p starts with a Windows drive such as "C:".
func hasDriveLetter(p string) bool {
	return len(p) >= 2 && p[1] == ':' &&
		(('a' <= p[0] && p[0] <= 'z') || ('A' <= p[0] && p[0] <= 'Z'))
}

// optionalLine returns the positive line number at key, or 0 when it is
// missing or null.
func optionalLine(fields map[string]json.RawMessage, key, jsonPath string) (int, error) {
	raw := fields[key]
	if isNull(raw) {
		return 0, nil
	}
	field := jsonPath + "." + key
	line, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fieldErrorf(field, "invalid value (%s); expected a positive integer",
			describeJSON(raw))
	}
	if line < 1 || line > math.MaxInt32 {
		return 0, fieldErrorf(field, "is %d; send a line number from 1 to %d", line,
			math.MaxInt32)
	}
	return int(line), nil
}
