package scannerapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/centralcloud/centralcloud/internal/problem"
)

// utf8BOM is ignored at the start of a request body: some Windows tools
// write it before JSON.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeJSON reads the request body into dst. Unknown fields, trailing data
// and wrong types are rejected with a problem naming the field. The body
// size limit and gzip decoding are applied by the server's middleware.
func decodeJSON(r *http.Request, dst any) *problem.Details {
	if d := checkContentType(r); d != nil {
		return d
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return problem.New(http.StatusRequestEntityTooLarge, "body-too-large",
				fmt.Sprintf("the request body exceeds %d bytes: send the results in several events with \"final\": false", tooLarge.Limit))
		}
		if d, ok := err.(*problem.Details); ok {
			return d
		}
		return problem.New(http.StatusBadRequest, "unreadable-body", "the request body could not be read: "+err.Error())
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return problem.New(http.StatusBadRequest, "malformed-json", "the body holds more than one JSON value: send exactly one object")
	}
	return nil
}

func checkContentType(r *http.Request) *problem.Details {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && (mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")) {
		return nil
	}
	got := r.Header.Get("Content-Type")
	if got == "" {
		got = "none"
	}
	return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type",
		fmt.Sprintf("Content-Type %s is not supported: send application/json", got))
}

func jsonProblem(err error) *problem.Details {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return problem.New(http.StatusBadRequest, "malformed-json",
			fmt.Sprintf("the body is not valid JSON at byte %d: %v", syntaxErr.Offset, syntaxErr))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		return problem.InvalidField(field, fmt.Sprintf("%s must be %s, not JSON %s", field, jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value))
	case errors.Is(err, io.EOF):
		return problem.New(http.StatusBadRequest, "malformed-json", "the body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem.New(http.StatusBadRequest, "malformed-json", "the body ends in the middle of a JSON value")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem.InvalidField(field, fmt.Sprintf("unknown field %q: check its spelling against the API reference", field))
	}
	return problem.New(http.StatusBadRequest, "malformed-json", "the body could not be decoded: "+err.Error())
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int32", "int64", "uint", "uint64", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "struct", "map", "ptr":
		return "an object"
	case "slice", "array":
		return "an array"
	}
	return "a " + kind
}
