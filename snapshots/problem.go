package snapshots

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Problem type URIs of the snapshot endpoint. They are relative references,
// resolved against the service's own URL (RFC 9457, section 3.1.1).
const (
	ProblemInvalidClientKey   = "/problems/invalid-client-key"
	ProblemInvalidIfNoneMatch = "/problems/invalid-if-none-match"
	ProblemMethodNotAllowed   = "/problems/method-not-allowed"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Field names the request field at fault, such as a header name.
	Field string `json:"field,omitempty"`
	// Suites lists the accepted HPKE suites when the client key is at fault.
	Suites []string `json:"suites,omitempty"`
}

// writeProblem sends p as application/problem+json; a HEAD response gets
// the headers only.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	body, err := json.Marshal(p)
	if err != nil {
		// Problem has only strings and ints, which always encode.
		panic(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
