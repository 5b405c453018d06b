package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// fieldRoot is the name of the event property that Parse reads. Every
// FieldError.Field starts with it.
const fieldRoot = "results"

// FieldError rejects one value of the results object.
type FieldError struct {
	// Field is the JSON path of the offending value, such as
	// "results.findings[3].severity" or "results.runs[0].results[2].ruleIndex".
	Field string
	// Detail states what is wrong with the value and how to fix it.
	Detail string
}

// Error returns the field and the detail.
func (e *FieldError) Error() string {
	return e.Field + ": " + e.Detail
}

func fieldErrorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// indexPath appends an array index to a JSON path.
func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// memberPath appends an object member to a JSON path: path.key for a plain
// name, else path["key"] with the key quoted and cut to 64 bytes.
func memberPath(path, key string) string {
	plain := key != "" && len(key) <= 64
	for i, char := range key {
		isLetter := char == '_' || ('a' <= char && char <= 'z') || ('A' <= char && char <= 'Z')
		if !isLetter && (i == 0 || char < '0' || char > '9') {
			plain = false
			break
		}
	}
	if plain {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(truncateText(key, 64)) + "]"
}

// decodeError converts an encoding/json error met while decoding the value at
// path into a FieldError.
func decodeError(path string, err error) *FieldError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := path
		if typeErr.Field != "" {
			field += "." + typeErr.Field
		}
		return fieldErrorf(field, "invalid value (%s); expected %s", typeErr.Value,
			expectedJSON(typeErr.Type))
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fieldErrorf(path, "invalid JSON at byte offset %d: %s; send valid JSON",
			syntaxErr.Offset, syntaxErr.Error())
	}
	return fieldErrorf(path, "invalid JSON: %s; send valid JSON", err.Error())
}

// expectedJSON names the JSON value that decodes into a Go type.
func expectedJSON(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer that fits in 64 bits"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return "another type"
	}
}

// jsonType names the type of a raw JSON value from its first byte.
func jsonType(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// describeJSON names a raw JSON value for an error message: its type, and
// its text when it is a number.
func describeJSON(raw json.RawMessage) string {
	kind := jsonType(raw)
	if kind != "a number" {
		return kind
	}
	return "number " + truncateText(string(raw), 40)
}
