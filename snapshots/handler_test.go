package snapshots

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// served is a snapshot endpoint with one published snapshot.
type served struct {
	env  *env
	srv  *httptest.Server
	etag string
	key  string // an X-Client-Key value
}

func serveSnapshot(t *testing.T) *served {
	t.Helper()
	e := setup(t)
	result := e.publishAndSync(t, sampleBundle(3))
	_, err := e.cache.Reload(context.Background())
	require.NoError(t, err)
	require.Equal(t, result.ETag, e.cache.ETag())
	srv := httptest.NewServer(NewHandler(e.cache))
	t.Cleanup(srv.Close)
	priv, err := wire.SuiteX25519.GenerateKey()
	require.NoError(t, err)
	key, err := wire.FormatClientKey(priv.PublicKey())
	require.NoError(t, err)
	return &served{env: e, srv: srv, etag: result.ETag, key: key}
}

func (s *served) do(t *testing.T, method string, headers map[string][]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL, nil)
	require.NoError(t, err)
	for name, values := range headers {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	resp, err := s.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// requireSnapshotHeaders checks the headers that a 200 and a 304 share.
func requireSnapshotHeaders(t *testing.T, resp *http.Response, etag string) {
	t.Helper()
	require.Equal(t, `"`+etag+`"`, resp.Header.Get("ETag"))
	require.Equal(t, "private, no-cache", resp.Header.Get("Cache-Control"))
	require.Equal(t, "Authorization, X-Client-Key", resp.Header.Get("Vary"))
}

func TestHandlerConditionalRequests(t *testing.T) {
	t.Parallel()
	s := serveSnapshot(t)
	stale := strings.Repeat("0", 64)
	cases := []struct {
		name   string
		inm    []string
		status int
	}{
		{"exact tag", []string{`"` + s.etag + `"`}, http.StatusNotModified},
		{"list containing it", []string{`"` + stale + `", "` + s.etag + `"`}, http.StatusNotModified},
		{"weak tag", []string{`W/"` + s.etag + `"`}, http.StatusNotModified},
		{"star", []string{"*"}, http.StatusNotModified},
		{"two field lines", []string{`"` + stale + `"`, `"` + s.etag + `"`}, http.StatusNotModified},
		{"stale tag", []string{`"` + stale + `"`}, http.StatusOK},
		{"no header", nil, http.StatusOK},
		{"malformed header", []string{s.etag}, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			headers := map[string][]string{"X-Client-Key": {s.key}}
			if tc.inm != nil {
				headers["If-None-Match"] = tc.inm
			}
			resp, body := s.do(t, http.MethodGet, headers)
			require.Equal(t, tc.status, resp.StatusCode, string(body))
			switch tc.status {
			case http.StatusNotModified:
				requireSnapshotHeaders(t, resp, s.etag)
				require.Empty(t, body)
			case http.StatusOK:
				requireSnapshotHeaders(t, resp, s.etag)
				require.Equal(t, s.env.cache.Current().Ciphertext, body)
				require.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
				require.True(t, strings.HasPrefix(resp.Header.Get("X-Snapshot-Key"), string(wire.SuiteX25519)+" "))
			case http.StatusBadRequest:
				p := decodeProblem(t, resp, body)
				require.Equal(t, "If-None-Match", p["field"])
				require.Contains(t, p["detail"], "list of entity tags")
			}
		})
	}
}

func TestHandlerNotModifiedNeedsNoClientKey(t *testing.T) {
	t.Parallel()
	s := serveSnapshot(t)
	resp, body := s.do(t, http.MethodGet, map[string][]string{"If-None-Match": {`"` + s.etag + `"`}})
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Empty(t, body)
	requireSnapshotHeaders(t, resp, s.etag)
}

func decodeProblem(t *testing.T, resp *http.Response, body []byte) map[string]any {
	t.Helper()
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	var p map[string]any
	require.NoError(t, json.Unmarshal(body, &p), string(body))
	require.NotEmpty(t, p["type"])
	require.NotEmpty(t, p["title"])
	require.NotEmpty(t, p["detail"])
	require.EqualValues(t, resp.StatusCode, p["status"])
	return p
}

func TestHandlerClientKeyProblems(t *testing.T) {
	t.Parallel()
	s := serveSnapshot(t)
	zeroKey := string(wire.SuiteX25519) + " " + base64.StdEncoding.EncodeToString(make([]byte, 32))
	cases := map[string]struct {
		values []string
		detail string
	}{
		"missing":         {nil, "X-Client-Key is missing"},
		"malformed":       {[]string{"not-a-key"}, "<suite> <base64>"},
		"unknown suite":   {[]string{"hpke-p384 AAAA"}, "unknown HPKE suite"},
		"bad base64":      {[]string{string(wire.SuiteX25519) + " ***"}, "invalid base64"},
		"wrong length":    {[]string{string(wire.SuiteMLKEM768X25519) + " AAAA"}, "not a public key"},
		"low-order point": {[]string{zeroKey}, "cannot be used"},
		"sent twice":      {[]string{s.key, s.key}, "send X-Client-Key once"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resp, body := s.do(t, http.MethodGet, map[string][]string{"X-Client-Key": tc.values})
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			p := decodeProblem(t, resp, body)
			require.Equal(t, "X-Client-Key", p["field"])
			require.Contains(t, p["detail"], tc.detail)
			require.Empty(t, resp.Header.Get("ETag"), "a problem carries no snapshot ETag")
		})
	}
}

func TestHandlerHead(t *testing.T) {
	t.Parallel()
	s := serveSnapshot(t)
	size := len(s.env.cache.Current().Ciphertext)

	resp, body := s.do(t, http.MethodHead, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "HEAD needs no client key")
	require.Empty(t, body)
	requireSnapshotHeaders(t, resp, s.etag)
	require.EqualValues(t, size, resp.ContentLength)
	require.Empty(t, resp.Header.Get("X-Snapshot-Key"))

	resp, _ = s.do(t, http.MethodHead, map[string][]string{"X-Client-Key": {s.key}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("X-Snapshot-Key"), "HEAD with a key answers like GET")

	resp, _ = s.do(t, http.MethodHead, map[string][]string{"X-Client-Key": {"garbage"}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	resp, _ = s.do(t, http.MethodHead, map[string][]string{"If-None-Match": {`"` + s.etag + `"`}})
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	requireSnapshotHeaders(t, resp, s.etag)
}

func TestHandlerRejectsOtherMethods(t *testing.T) {
	t.Parallel()
	s := serveSnapshot(t)
	resp, body := s.do(t, http.MethodPost, map[string][]string{"X-Client-Key": {s.key}})
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
	decodeProblem(t, resp, body)
}
