// Package problem writes RFC 9457 problem details
// (application/problem+json) error responses.
package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// ContentType is the media type of problem details.
const ContentType = "application/problem+json"

// typeBase prefixes the type URI of every problem CentralCloud returns. The
// URIs identify problem kinds; they are not meant to be fetched.
const typeBase = "https://centralcloud.dev/problems/"

// Details is one problem. Field names the offending request field, when one
// applies, as a JSON path such as "repo.owner".
type Details struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Field    string `json:"field,omitempty"`
	Instance string `json:"instance,omitempty"`
	// RetryAfter, when set, is sent as the Retry-After header in seconds.
	RetryAfter time.Duration `json:"-"`
}

// Error lets a Details travel as an error through handler code.
func (d *Details) Error() string {
	if d.Field != "" {
		return d.Title + ": " + d.Field + ": " + d.Detail
	}
	return d.Title + ": " + d.Detail
}

// New returns a problem of the given kind, such as "invalid-field", with the
// standard title for status.
func New(status int, kind, detail string) *Details {
	return &Details{Type: typeBase + kind, Title: http.StatusText(status), Status: status, Detail: detail}
}

// InvalidField returns a 400 problem naming the offending field.
func InvalidField(field, detail string) *Details {
	d := New(http.StatusBadRequest, "invalid-field", detail)
	d.Field = field
	return d
}

// Write sends d as the response.
func Write(w http.ResponseWriter, d *Details) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	if d.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((d.RetryAfter+time.Second-1)/time.Second)))
	}
	w.WriteHeader(d.Status)
	_ = json.NewEncoder(w).Encode(d)
}

// NotFound returns a 404 problem.
func NotFound(detail string) *Details {
	return New(http.StatusNotFound, "not-found", detail)
}

// Internal returns the 500 problem, whose detail reveals nothing of the
// cause; handlers log the cause.
func Internal() *Details {
	return New(http.StatusInternalServerError, "internal", "the server failed to handle the request; it was logged, retry later")
}
