package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fuzzRequest sends one request of a fuzz input. It has its own deadline,
// because a long fuzz run outlives the env's context.
func (e *env) fuzzRequest(t *testing.T, method, path string, body []byte, header http.Header) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var raw bytes.Buffer
	_, err = raw.ReadFrom(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, raw: raw.Bytes()}
}

// requireNoServerError checks that a response is not 5xx and that every
// rejection is a problem+json body with the response's status.
func requireNoServerError(t *testing.T, r response) {
	t.Helper()
	require.Less(t, r.status, 500, "server error: %s", r.raw)
	if r.status < 400 {
		return
	}
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "status %d: %s", r.status, r.raw)
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.raw, &body), string(r.raw))
	require.EqualValues(t, r.status, body["status"], string(r.raw))
	require.NotEmpty(t, body["type"], string(r.raw))
	require.NotEmpty(t, body["detail"], string(r.raw))
}

// sarifFixtures returns the recorded SARIF logs beside the repository.
func sarifFixtures(f *testing.F) [][]byte {
	f.Helper()
	dir := filepath.Join(filepath.Dir(fixturesDir(f, "")), "sarif")
	entries, err := os.ReadDir(dir)
	require.NoError(f, err)
	var logs [][]byte
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, entry.Name()))
		require.NoError(f, err)
		logs = append(logs, data)
	}
	require.NotEmpty(f, logs, "SARIF fixtures in %s", dir)
	return logs
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

func jsonHeader(token string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Bearer "+token)
	return h
}

// validHeaderValue reports whether Go's HTTP client would send v as a
// header value; others never reach the server, so they are skipped.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
