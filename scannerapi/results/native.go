package results

import (
	"encoding/json"
	"unicode/utf8"
)

// nativeTopFields and nativeFindingFields are the only properties the native
// form allows.
var (
	nativeTopFields     = []string{"findings", "summary"}
	nativeFindingFields = []string{
		"pattern_id", "path", "start_line", "end_line", "severity", "message", "fingerprint",
	}
)

// parseNative reads the native form {"findings": [...], "summary": "..."}.
func parseNative(top map[string]json.RawMessage, limits Limits) (*Results, error) {
	if err := rejectUnknown(top, nativeTopFields, fieldRoot); err != nil {
		return nil, err
	}
	summary, err := optionalString(top, "summary", fieldRoot)
	if err != nil {
		return nil, err
	}
	if len(summary) > maxSummaryBytes {
		return nil, fieldErrorf(fieldRoot+".summary", "is %d bytes long; the maximum is %d, "+
			"so shorten the summary", len(summary), maxSummaryBytes)
	}
	out := &Results{Format: FormatNative, Summary: cleanText(summary)}
	findingsPath := fieldRoot + ".findings"
	decoder, err := openArray(top["findings"], findingsPath, false)
	if err != nil {
		return nil, err
	}
	for i := 0; decoder.More(); i++ {
		if i >= limits.MaxFindings {
			return nil, tooManyFindings(findingsPath, limits)
		}
		finding, err := decodeNativeFinding(decoder, indexPath(findingsPath, i), limits)
		if err != nil {
			return nil, err
		}
		out.Findings = append(out.Findings, finding)
	}
	return out, nil
}

func decodeNativeFinding(decoder *json.Decoder, jsonPath string, limits Limits) (Finding, error) {
	var fields map[string]json.RawMessage
	if err := decoder.Decode(&fields); err != nil {
		return Finding{}, decodeError(jsonPath, err)
	}
	if fields == nil {
		return Finding{}, fieldErrorf(jsonPath, "invalid value (null); expected a finding object")
	}
	if err := rejectUnknown(fields, nativeFindingFields, jsonPath); err != nil {
		return Finding{}, err
	}
	return parseNativeFinding(fields, jsonPath, limits)
}

func parseNativeFinding(fields map[string]json.RawMessage, jsonPath string, limits Limits) (Finding, error) {
	finding := Finding{Kind: KindFail}
	var err error
	if finding.PatternID, err = nativePatternID(fields, jsonPath); err != nil {
		return Finding{}, err
	}
	if finding.Severity, err = nativeSeverity(fields, jsonPath); err != nil {
		return Finding{}, err
	}
	if finding.Message, err = nativeMessage(fields, jsonPath, limits); err != nil {
		return Finding{}, err
	}
	if err = nativeLocation(fields, jsonPath, limits, &finding); err != nil {
		return Finding{}, err
	}
	if finding.Fingerprint, err = nativeFingerprint(fields, jsonPath); err != nil {
		return Finding{}, err
	}
	if finding.Fingerprint == "" {
		finding.Fingerprint = ComputeFingerprint(finding.PatternID, finding.Path, finding.Message)
	}
	finding.Language = Language(finding.Path)
	return finding, nil
}

func nativePatternID(fields map[string]json.RawMessage, jsonPath string) (string, error) {
	id, err := requiredString(fields, "pattern_id", jsonPath)
	if err != nil {
		return "", err
	}
	field := jsonPath + ".pattern_id"
	if count := utf8.RuneCountInString(id); count > maxPatternIDChars {
		return "", fieldErrorf(field, "is %d characters long; the maximum is %d", count,
			maxPatternIDChars)
	}
	if hasControl(id) {
		return "", fieldErrorf(field, "contains a control character; remove it")
	}
	return id, nil
}

func nativeSeverity(fields map[string]json.RawMessage, jsonPath string) (Severity, error) {
	value, err := requiredString(fields, "severity", jsonPath)
	if err != nil {
		return "", err
	}
	severity, err := ParseSeverity(value)
	if err != nil {
		return "", fieldErrorf(jsonPath+".severity", "%s", err.Error())
	}
	return severity, nil
}

func nativeMessage(fields map[string]json.RawMessage, jsonPath string, limits Limits) (string, error) {
	message, err := requiredString(fields, "message", jsonPath)
	if err != nil {
		return "", err
	}
	return truncateText(cleanText(message), limits.MaxMessageBytes), nil
}

func nativeFingerprint(fields map[string]json.RawMessage, jsonPath string) (string, error) {
	fingerprint, err := optionalString(fields, "fingerprint", jsonPath)
	if err != nil || fingerprint == "" {
		return "", err
	}
	field := jsonPath + ".fingerprint"
	if len(fingerprint) > maxFingerprintBytes {
		return "", fieldErrorf(field, "is %d bytes long; the maximum is %d, so send a digest",
			len(fingerprint), maxFingerprintBytes)
	}
	if hasControl(fingerprint) {
		return "", fieldErrorf(field, "contains a control character; remove it")
	}
	return fingerprint, nil
}
