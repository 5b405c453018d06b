package fakegithub

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// Documentation URLs that GitHub puts in error bodies.
const (
	docsRoot               = "https://docs.github.com/rest"
	docsSecondaryRateLimit = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	docsPrimaryRateLimit   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
	docsCreateAccessToken  = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
	docsCreateCheckRun     = "https://docs.github.com/rest/checks/runs#create-a-check-run"
	docsUpdateCheckRun     = "https://docs.github.com/rest/checks/runs#update-a-check-run"
	docsCreateStatus       = "https://docs.github.com/rest/commits/statuses#create-a-commit-status"
)

// handler serves one route. It runs with Server.mu held.
type handler func(ex *exchange) reply

// reply is a response before it is written: the body is still a value, so
// the pipeline can compute its ETag and record its status.
type reply struct {
	status int
	body   any
	header http.Header
	data   []byte // body encoded by finish
}

func jsonReply(status int, body any) reply {
	return reply{status: status, body: body, header: make(http.Header)}
}

// errorReply returns GitHub's error shape: a message and a documentation URL.
func errorReply(status int, message, documentationURL string) reply {
	return jsonReply(status, object{"message": message, "documentation_url": documentationURL})
}

// validationError is one entry of the "errors" list of a 422 response.
// Code is one of GitHub's codes: missing_field, invalid, too_long, custom.
type validationError struct {
	Resource string
	Field    string
	Code     string
	Message  string
}

// validationReply returns 422 "Validation Failed" in the recorded shape.
func (s *Server) validationReply(documentationURL string, errs ...validationError) reply {
	body := s.templates.object(templateValidation)
	list := make([]any, 0, len(errs))
	for _, e := range errs {
		entry := object{"resource": e.Resource, "code": e.Code, "field": e.Field}
		if e.Message != "" {
			entry["message"] = e.Message
		}
		list = append(list, entry)
	}
	body["errors"] = list
	body["documentation_url"] = documentationURL
	return jsonReply(http.StatusUnprocessableEntity, body)
}

// encodeBody encodes the reply body once; a nil body stays empty.
func (rp *reply) encodeBody() {
	if rp.body == nil || rp.data != nil {
		return
	}
	data, err := json.Marshal(rp.body)
	if err != nil {
		// Bodies are built from decoded JSON and plain structs.
		panic("fakegithub: encode response: " + err.Error())
	}
	rp.data = data
}

// etagOf returns a strong entity tag for an encoded body.
func etagOf(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// etagMatches applies If-None-Match with weak comparison (RFC 9110 13.1.2).
func etagMatches(ifNoneMatch, etag string) bool {
	if strings.TrimSpace(ifNoneMatch) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, candidate := range strings.Split(ifNoneMatch, ",") {
		if strings.TrimPrefix(strings.TrimSpace(candidate), "W/") == want {
			return true
		}
	}
	return false
}

// decodeJSON decodes a request body as GitHub does, reading an empty body
// as an empty object.
func decodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	return json.Unmarshal(data, v)
}
