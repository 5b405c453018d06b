package scannerapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/scannerapi"
	"github.com/centralcloud/centralcloud/server"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// fixture is one org with a token, served by a real HTTP server.
type fixture struct {
	t     *testing.T
	srv   *httptest.Server
	org   store.Org
	token string
}

type options struct {
	maxBody      int64
	rateLimit    int
	authFailures int
	tokenTTL     time.Duration
	verify       scannerapi.InstallationVerifier
	// snapshots, when set, serves the snapshot inline and at
	// /patterns/snapshot.
	snapshots *snapshots.Cache
}

func setup(t *testing.T, opts ...func(*options)) *fixture {
	t.Helper()
	o := options{maxBody: 1 << 20, rateLimit: 10000, authFailures: 10000}
	for _, fn := range opts {
		fn(&o)
	}
	pool := dbtest.Pool(t)
	reg := prometheus.NewRegistry()
	var source scannerapi.SnapshotSource
	var snapshotHandler http.Handler
	if o.snapshots != nil {
		source = cacheSource{o.snapshots}
		snapshotHandler = snapshots.NewHandler(o.snapshots)
	}
	api := scannerapi.New(pool, scannerapi.Options{
		Snapshots:             source,
		Policies:              store.Policy{TelemetryEnabled: true, LearningEnabled: true, FailOn: "error"},
		RateLimitPerMinute:    o.rateLimit,
		MaxFindings:           1000,
		AuthFailuresPerMinute: o.authFailures,
		TokenCacheTTL:         o.tokenTTL,
		VerifyInstallation:    o.verify,
		Registerer:            reg,
	})
	router := server.NewRouter(server.Routes{Scanner: api, Snapshot: snapshotHandler, Health: &server.Health{DB: pool}},
		server.Options{Logger: zerolog.Nop(), MaxBodyBytes: o.maxBody, Registerer: reg})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	f := &fixture{t: t, srv: srv}
	f.org, f.token = newOrgWithToken(t, uniqueLogin("acme"))
	return f
}

func uniqueLogin(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func newOrgWithToken(t *testing.T, login string) (store.Org, string) {
	t.Helper()
	pool := dbtest.Pool(t)
	org, _, err := store.CreateOrg(context.Background(), pool, login)
	require.NoError(t, err)
	token, _, err := store.CreateToken(context.Background(), pool, org.ID, "test", nil)
	require.NoError(t, err)
	return org, token
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (f *fixture) do(method, path, token, contentType string, body io.Reader, headers ...string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	require.NoError(f.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		require.NoError(f.t, json.Unmarshal(raw, &r.body), string(raw))
	}
	return r
}

func (f *fixture) post(path, token string, body any) response {
	f.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		data, err := json.Marshal(body)
		require.NoError(f.t, err)
		reader = bytes.NewReader(data)
	}
	return f.do(http.MethodPost, path, token, "application/json", reader)
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func runRequest(owner, localRunID, commit string) map[string]any {
	return map[string]any{
		"local_run_id": localRunID,
		"repo":         map[string]any{"owner": owner, "name": "widgets"},
		"commit":       commit,
		"etag":         nil,
	}
}

const commitA = "0123456789abcdef0123456789abcdef01234567"
const commitB = "89abcdef0123456789abcdef0123456789abcdef"

// requireProblem checks a problem+json response with status and, when field
// is set, the offending field.
func requireProblem(t *testing.T, r response, status int, field string) {
	t.Helper()
	require.Equal(t, status, r.status, string(r.raw))
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	require.EqualValues(t, status, r.body["status"])
	require.NotEmpty(t, r.body["type"])
	require.NotEmpty(t, r.body["title"])
	require.NotEmpty(t, r.body["detail"])
	if field != "" {
		require.Equal(t, field, r.body["field"], string(r.raw))
	}
}

func jsonBody(t *testing.T, body any) io.Reader {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	return bytes.NewReader(data)
}
