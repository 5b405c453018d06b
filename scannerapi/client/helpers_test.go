package client_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/scannerapi/client"
)

// recorded is one request that reached a scriptedServer.
type recorded struct {
	path     string
	header   http.Header
	gzipped  bool
	body     []byte
	received time.Time
}

// reply is a scripted response. A nil reply closes the connection with no
// response.
type reply func(w http.ResponseWriter, r *http.Request, body []byte)

// scriptedServer responds to each request with the next scripted reply,
// or with fallback once the script is used up, and records every request.
type scriptedServer struct {
	t        *testing.T
	srv      *httptest.Server
	fallback reply

	mu       sync.Mutex
	script   []reply
	requests []recorded
}

func newScriptedServer(t *testing.T, fallback reply, script ...reply) *scriptedServer {
	t.Helper()
	s := &scriptedServer{t: t, fallback: fallback, script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scriptedServer) serve(w http.ResponseWriter, r *http.Request) {
	rec := recorded{path: r.URL.Path, header: r.Header.Clone(), received: time.Now()}
	reader := io.Reader(r.Body)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.gzipped, reader = true, zr
	}
	body, err := io.ReadAll(reader)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rec.body = body
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	next := s.fallback
	if len(s.script) > 0 {
		next, s.script = s.script[0], s.script[1:]
	}
	s.mu.Unlock()
	if next == nil {
		hijackAndClose(w)
		return
	}
	next(w, r, body)
}

func hijackAndClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func (s *scriptedServer) recorded() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

// client returns a Client for the server with fast retries.
func (s *scriptedServer) client(opts client.Options) *client.Client {
	s.t.Helper()
	if opts.Token == "" {
		opts.Token = "cct_test"
	}
	if opts.Retry.InitialBackoff == 0 {
		opts.Retry.InitialBackoff = time.Millisecond
		opts.Retry.MaxBackoff = 5 * time.Millisecond
	}
	c, err := client.New(s.srv.URL, opts)
	require.NoError(s.t, err)
	return c
}

func jsonReply(status int, body any) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
}

func problemReply(status int, detail, field string, headers ...string) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("X-Request-ID", "req-1")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"type": "https://centralcloud.dev/problems/test", "title": http.StatusText(status),
			"status": status, "detail": detail, "field": field,
		})
	}
}

// eventReply responds to an event like the server does, counting its findings
// as stored and concluding final events with success.
func eventReply(w http.ResponseWriter, _ *http.Request, body []byte) {
	var event struct {
		EventID string          `json:"event_id"`
		Final   bool            `json:"final"`
		Results json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(body, &event); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp := map[string]any{"status": "ok", "event_id": event.EventID, "final": event.Final,
		"findings_stored": countFindings(event.Results)}
	if event.Final {
		resp["conclusion"] = "success"
	}
	jsonReply(http.StatusOK, resp)(w, nil, nil)
}

// countFindings counts native findings or SARIF results.
func countFindings(results json.RawMessage) int {
	var parsed struct {
		Findings []json.RawMessage `json:"findings"`
		Runs     []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	_ = json.Unmarshal(results, &parsed)
	n := len(parsed.Findings)
	for _, run := range parsed.Runs {
		n += len(run.Results)
	}
	return n
}

var runReply = jsonReply(http.StatusCreated, map[string]any{
	"server_run_id": "01a241c7-93d9-738a-b002-e66dc095cbd7", "patterns_etag": emptyETag,
	"patterns_changed": false, "policies": map[string]any{"telemetry_enabled": true,
		"learning_enabled": true, "fail_on": "error"}, "enterprise": map[string]any{"retention_days": nil},
})

const emptyETag = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

var runRequest = client.RunRequest{
	LocalRunID: "ci-1",
	Repo:       client.Repository{Owner: "acme", Name: "widgets"},
	Commit:     "0123456789abcdef0123456789abcdef01234567",
}
