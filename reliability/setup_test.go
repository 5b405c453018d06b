// Package reliability contains tests of CentralCloud under faults and hostile
// input: tenant isolation, webhook forgery, database restarts, GitHub
// outages and fuzzed request bodies. Every test runs the real router, the
// real GitHub App code and real PostgreSQL; only GitHub is faked.
package reliability

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/githubapp"
	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
	"github.com/centralcloud/centralcloud/scannerapi"
	"github.com/centralcloud/centralcloud/server"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

const (
	testAppID         = 5151
	testWebhookSecret = "reliability webhook secret"
	commitOne         = "0123456789abcdef0123456789abcdef01234567"
	commitTwo         = "89abcdef0123456789abcdef0123456789abcdef"
)

// appKey is one RSA key for the package, because generating one per test
// costs more than most tests.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
})

func appKeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())}))
}

// tenant is one GitHub organisation with the App installed on one
// repository, an org token and an installation token.
type tenant struct {
	login             string
	installationID    int64
	accountID         int64
	repo              fakegithub.Repository
	org               store.Org
	orgToken          string
	installationToken string
}

// env is the service as cmd/centralcloud assembles it for serving: the
// router with the scanner API, the snapshot endpoint, the webhook and
// health, over one database and a fake GitHub.
type env struct {
	t      testing.TB
	ctx    context.Context
	pool   *pgxpool.Pool
	github *fakegithub.Server
	app    *githubapp.App
	srv    *httptest.Server
	a, b   tenant
}

func setup(t testing.TB) *env {
	t.Helper()
	return setupWithPool(t, dbtest.Pool(t))
}

// setupWithPool is setup on a pool of the caller's, for tests that break
// the database under it. apiURL, when given, replaces the fake GitHub's
// URL as the App's API URL, for a proxy in front of the fake.
func setupWithPool(t testing.TB, pool *pgxpool.Pool, apiURL ...func(*fakegithub.Server) string) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, pool: pool}
	e.a, e.b = newTenantIDs(t, "rel-a"), newTenantIDs(t, "rel-b")
	var err error
	e.github, err = fakegithub.Start(fakegithub.Options{
		AppID: testAppID, PublicKey: &appKey().PublicKey,
		Installations: []fakegithub.Installation{e.a.installation(), e.b.installation()},
	})
	require.NoError(t, err)
	t.Cleanup(e.github.Close)
	githubURL := e.github.URL()
	for _, u := range apiURL {
		githubURL = u(e.github)
	}
	e.srv = httptest.NewServer(e.router(t, githubURL))
	t.Cleanup(e.srv.Close)
	e.a = e.credentials(e.a)
	e.b = e.credentials(e.b)
	return e
}

func newTenantIDs(t testing.TB, prefix string) tenant {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(1<<40))
	require.NoError(t, err)
	id := n.Int64() + 1_000_000
	login := prefix + "-" + hex.EncodeToString(n.Bytes())
	return tenant{
		login: login, installationID: id, accountID: id + 1,
		repo: fakegithub.Repository{ID: id + 2, Owner: login, Name: "widgets"},
	}
}

func (ten tenant) installation() fakegithub.Installation {
	return fakegithub.Installation{
		ID:      ten.installationID,
		Account: fakegithub.Account{Login: ten.login, ID: ten.accountID, Type: fakegithub.AccountOrganization},
		Permissions: map[string]string{
			"checks": "write", "statuses": "write", "metadata": "read", "pull_requests": "read",
		},
		Repositories: []fakegithub.Repository{ten.repo},
	}
}

// credentials creates the tenant's org with an org token, and asks the
// fake GitHub for an installation token.
func (e *env) credentials(ten tenant) tenant {
	e.t.Helper()
	org, _, err := store.CreateOrg(e.ctx, e.pool, ten.login)
	require.NoError(e.t, err)
	ten.org = org
	ten.orgToken, _, err = store.CreateToken(e.ctx, e.pool, org.ID, "reliability", nil)
	require.NoError(e.t, err)
	ten.installationToken, err = e.github.IssueToken(ten.installationID)
	require.NoError(e.t, err)
	return ten
}

func (e *env) router(t testing.TB, githubURL string) http.Handler {
	t.Helper()
	reg := prometheus.NewRegistry()
	var err error
	e.app, err = githubapp.New(githubapp.Options{
		AppID: testAppID, PrivateKey: appKeyPEM(), WebhookSecret: testWebhookSecret,
		V3APIURL: githubURL, WebURL: e.github.WebURL(), RequestTimeout: 10 * time.Second,
	}, githubapp.Dependencies{Pool: e.pool, Registerer: reg, Logger: testLogger(t)})
	require.NoError(t, err)
	cache := newSnapshotCache(t, e.ctx, e.pool)
	api := scannerapi.New(e.pool, scannerapi.Options{
		Policies:              store.Policy{TelemetryEnabled: true, LearningEnabled: true, FailOn: "error"},
		RateLimitPerMinute:    100000,
		AuthFailuresPerMinute: 100000,
		VerifyInstallation:    e.app.ScannerVerifier(),
		Registerer:            reg,
	})
	return server.NewRouter(server.Routes{
		Scanner:  api,
		Snapshot: snapshots.NewHandler(cache),
		Webhook:  e.app.WebhookHandler(),
		Health:   &server.Health{DB: e.pool, SnapshotLoaded: cache.Loaded},
	}, server.Options{Logger: testLogger(t), MaxBodyBytes: 1 << 20, Registerer: reg})
}

// newSnapshotCache loads the current snapshot (the empty one on a fresh
// database) under a throwaway keyring.
func newSnapshotCache(t testing.TB, ctx context.Context, pool *pgxpool.Pool) *snapshots.Cache {
	t.Helper()
	_, entry, err := snapshots.GenerateKey(time.Now())
	require.NoError(t, err)
	keyring, err := snapshots.LoadKeyring(snapshots.KeyringOptions{Keys: []string{entry}})
	require.NoError(t, err)
	cache := snapshots.NewCache(pool, keyring, snapshots.CacheOptions{})
	_, err = cache.Reload(ctx)
	require.NoError(t, err)
	return cache
}

// testLogger writes the service's logs to standard error when
// RELIABILITY_LOG is set, else drops them. It does not write through t,
// because fuzz targets may not log through the *testing.F.
func testLogger(testing.TB) zerolog.Logger {
	if os.Getenv("RELIABILITY_LOG") != "" {
		return zerolog.New(os.Stderr).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	}
	return zerolog.Nop()
}

// response is one HTTP response with its body read.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (e *env) do(method, path, token string, body []byte) response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, bytes.NewReader(body))
	require.NoError(e.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(e.t, req)
}

func send(t testing.TB, req *http.Request) response {
	t.Helper()
	r, err := sendWith(http.DefaultClient, req)
	require.NoError(t, err)
	return r
}

// sendWith sends req and reads the response, decoding a JSON body.
func sendWith(client *http.Client, req *http.Request) (response, error) {
	res, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			return r, fmt.Errorf("decode %s: %w", raw, err)
		}
	}
	return r, nil
}

func jsonReader(body any) io.Reader {
	data, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	return bytes.NewReader(data)
}

func (e *env) post(path, token string, body any) response {
	e.t.Helper()
	data, err := json.Marshal(body)
	require.NoError(e.t, err)
	return e.do(http.MethodPost, path, token, data)
}

func runBody(owner, repo, localRunID, commit string) map[string]any {
	return map[string]any{
		"local_run_id": localRunID,
		"repo":         map[string]any{"owner": owner, "name": repo},
		"commit":       commit,
		"etag":         nil,
	}
}

func eventBody(runID, eventID string, final bool) map[string]any {
	return map[string]any{
		"server_run_id": runID, "event_id": eventID, "final": final,
		"results": map[string]any{"findings": []any{map[string]any{
			"pattern_id": "sql-injection", "path": "app/db.go", "start_line": 3, "end_line": 4,
			"severity": "error", "message": "query built from input", "fingerprint": "fp-" + eventID,
		}}, "summary": "1 finding"},
		"metrics": map[string]any{"duration_ms": 12},
	}
}

// registerRun registers a run for the tenant's repository and returns its
// server_run_id.
func (e *env) registerRun(ten tenant, token, localRunID string) string {
	e.t.Helper()
	r := e.post("/scanner/runs", token, runBody(ten.login, ten.repo.Name, localRunID, commitOne))
	require.Equal(e.t, http.StatusCreated, r.status, string(r.raw))
	return r.body["server_run_id"].(string)
}

// requireProblem checks an application/problem+json response.
func requireProblem(t testing.TB, r response, status int) {
	t.Helper()
	require.Equal(t, status, r.status, string(r.raw))
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), string(r.raw))
	require.EqualValues(t, status, r.body["status"], string(r.raw))
	require.NotEmpty(t, r.body["type"], string(r.raw))
	require.NotEmpty(t, r.body["title"], string(r.raw))
	require.NotEmpty(t, r.body["detail"], string(r.raw))
}

func sign(payload []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
