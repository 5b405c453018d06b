package results

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// isNull reports whether raw is absent or the JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// openArray returns a decoder positioned inside the JSON array raw. A null or
// missing value is an error unless nullable is set, in which case the
// decoder reads an empty array.
func openArray(raw json.RawMessage, jsonPath string, nullable bool) (*json.Decoder, error) {
	if isNull(raw) {
		if !nullable {
			return nil, fieldErrorf(jsonPath, "missing; send an array")
		}
		raw = json.RawMessage("[]")
	}
	if raw[0] != '[' {
		return nil, fieldErrorf(jsonPath, "invalid value (%s); expected an array", jsonType(raw))
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	if _, err := decoder.Token(); err != nil {
		return nil, decodeError(jsonPath, err)
	}
	return decoder, nil
}

// rejectUnknown returns a FieldError for the first property of object, in
// sorted order, that allowed does not list.
func rejectUnknown(object map[string]json.RawMessage, allowed []string, jsonPath string) error {
	var unknown []string
	for key := range object {
		if !slices.Contains(allowed, key) {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fieldErrorf(memberPath(jsonPath, unknown[0]), "unknown field; the allowed fields are %s",
		strings.Join(allowed, ", "))
}

// optionalString returns the string property key of object, or "" when it is
// missing or null.
func optionalString(object map[string]json.RawMessage, key, jsonPath string) (string, error) {
	raw := object[key]
	if isNull(raw) {
		return "", nil
	}
	var value string
	if raw[0] != '"' || json.Unmarshal(raw, &value) != nil {
		return "", fieldErrorf(jsonPath+"."+key, "invalid value (%s); expected a string", jsonType(raw))
	}
	return value, nil
}

// requiredString is optionalString for a property that must be present and
// not blank.
func requiredString(object map[string]json.RawMessage, key, jsonPath string) (string, error) {
	value, err := optionalString(object, key, jsonPath)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(value) == "" {
		return "", fieldErrorf(jsonPath+"."+key, "missing or blank; send a non-empty string")
	}
	return value, nil
}
