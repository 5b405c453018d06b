package githubapp

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
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
	"github.com/centralcloud/centralcloud/queue"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

const (
	testAppID         = 31337
	testWebhookSecret = "It's a Secret to Everybody"
	testPublicURL     = "https://centralcloud.example.com"
)

// fullPermissions are an installation's permissions with checks write.
var fullPermissions = map[string]string{
	"checks": "write", "statuses": "write", "metadata": "read", "pull_requests": "read",
}

// appKey is one RSA key for the whole package; generating one per test
// would cost more than most tests.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
})

func appKeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{
		Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey()),
	}))
}

// tenantSeq gives every test tenant ids of its own, far from the ids in
// the recorded payloads, so parallel tests share one database safely.
var tenantSeq atomic.Int64

// tenant is one GitHub account with the App installed on one repository.
type tenant struct {
	InstallationID int64
	Account        fakegithub.Account
	Repo           fakegithub.Repository
}

func newTenant() tenant {
	n := tenantSeq.Add(1)
	login := fmt.Sprintf("org%d-%s", n, uuid.NewString()[:8])
	return tenant{
		InstallationID: 7_000_000 + n,
		Account:        fakegithub.Account{Login: login, ID: 8_000_000 + n, Type: fakegithub.AccountOrganization},
		Repo:           fakegithub.Repository{ID: 9_000_000 + n, Owner: login, Name: "app"},
	}
}

// testEnv is a started App with a fake GitHub, a webhook server and one
// installed tenant.
type testEnv struct {
	t        testing.TB
	ctx      context.Context
	pool     *pgxpool.Pool
	fake     *fakegithub.Server
	app      *App
	registry *prometheus.Registry
	hook     *httptest.Server
	tenant   tenant
	// permissions are the tenant installation's, as webhooks report them.
	permissions map[string]string
}

type setupOptions struct {
	permissions map[string]string
	// apiURL replaces the fake's URL as the App's API URL, for a proxy in
	// front of the fake.
	apiURL       func(fake *fakegithub.Server) string
	tokenTTL     time.Duration
	skipInstall  bool
	checkTimeout time.Duration
}

func setup(t testing.TB, change ...func(*setupOptions)) *testEnv {
	t.Helper()
	so := setupOptions{permissions: fullPermissions}
	for _, c := range change {
		c(&so)
	}
	ten := newTenant()
	fake, err := fakegithub.Start(fakegithub.Options{
		AppID:     testAppID,
		PublicKey: &appKey().PublicKey,
		Installations: []fakegithub.Installation{{
			ID: ten.InstallationID, Account: ten.Account, Permissions: so.permissions,
			Repositories: []fakegithub.Repository{ten.Repo},
		}},
	})
	require.NoError(t, err)
	t.Cleanup(fake.Close)

	apiURL := fake.URL()
	if so.apiURL != nil {
		apiURL = so.apiURL(fake)
	}
	registry := prometheus.NewRegistry()
	pool := dbtest.Pool(t)
	app, err := New(Options{
		AppID:          testAppID,
		PrivateKey:     appKeyPEM(),
		WebhookSecret:  testWebhookSecret,
		V3APIURL:       apiURL,
		WebURL:         fake.WebURL(),
		PublicURL:      testPublicURL,
		RequestTimeout: 10 * time.Second,
		TokenCacheTTL:  so.tokenTTL,
		CheckDeadline:  so.checkTimeout,
	}, Dependencies{Pool: pool, Registerer: registry, Logger: testLogger(t)})
	require.NoError(t, err)

	hook := httptest.NewServer(app.WebhookHandler())
	t.Cleanup(hook.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	t.Cleanup(cancel)
	e := &testEnv{t: t, ctx: ctx, pool: pool, fake: fake, app: app, registry: registry, hook: hook, tenant: ten,
		permissions: so.permissions,
	}
	if !so.skipInstall {
		e.install()
	}
	return e
}

func testLogger(t testing.TB) zerolog.Logger {
	if testing.Verbose() {
		return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	}
	return zerolog.Nop()
}

// install delivers installation.created for the tenant.
func (e *testEnv) install() {
	payload := e.payload("installation/created.json", func(p map[string]any) {
		e.patchInstallation(p)
		p["repositories"] = []any{map[string]any{
			"id": e.tenant.Repo.ID, "name": e.tenant.Repo.Name,
			"full_name": e.tenant.Repo.FullName(), "private": false,
		}}
	})
	res := e.deliver("installation", payload, uuid.NewString())
	require.Equal(e.t, http.StatusOK, res.StatusCode)
}

// webhooksDir is the folder of recorded webhook payloads.
func webhooksDir(t testing.TB) string {
	t.Helper()
	dir, err := fakegithub.DefaultFixturesDir()
	require.NoError(t, err)
	return filepath.Join(dir, "webhooks")
}

// payload loads a recorded payload, lets patch change it and returns it
// encoded.
func (e *testEnv) payload(name string, patch func(map[string]any)) []byte {
	e.t.Helper()
	raw, err := os.ReadFile(filepath.Join(webhooksDir(e.t), name))
	require.NoError(e.t, err)
	var p map[string]any
	require.NoError(e.t, json.Unmarshal(raw, &p))
	if patch != nil {
		patch(p)
	}
	out, err := json.Marshal(p)
	require.NoError(e.t, err)
	return out
}

// patchInstallation points a payload's installation at the tenant.
func (e *testEnv) patchInstallation(p map[string]any) {
	inst, ok := p["installation"].(map[string]any)
	if !ok {
		inst = map[string]any{}
		p["installation"] = inst
	}
	inst["id"] = e.tenant.InstallationID
	inst["app_id"] = testAppID
	inst["permissions"] = stringMap(e.permissions)
	inst["account"] = map[string]any{
		"login": e.tenant.Account.Login, "id": e.tenant.Account.ID, "type": "Organization",
	}
}

// patchRepository points a payload's installation and repository at the
// tenant's.
func (e *testEnv) patchRepository(p map[string]any) {
	e.patchInstallation(p)
	repo := p["repository"].(map[string]any)
	repo["id"] = e.tenant.Repo.ID
	repo["name"] = e.tenant.Repo.Name
	repo["full_name"] = e.tenant.Repo.FullName()
	repo["owner"] = map[string]any{"login": e.tenant.Account.Login, "id": e.tenant.Account.ID}
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// deliver posts a signed delivery to the webhook endpoint.
func (e *testEnv) deliver(event string, payload []byte, deliveryID string) *http.Response {
	e.t.Helper()
	return e.deliverSigned(event, payload, deliveryID, sign(payload, testWebhookSecret))
}

func (e *testEnv) deliverSigned(event string, payload []byte, deliveryID, signature string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.hook.URL+"/api/github/hook", bytes.NewReader(payload))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/d54209a")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", deliveryID)
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	require.NoError(e.t, res.Body.Close())
	return res
}

func sign(payload []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// takeMessages removes the Checks queue messages about the tenant's
// repository, its scanner runs and its check runs, oldest first. Other
// tests' messages stay in the queue.
func (e *testEnv) takeMessages() []queuedMessage {
	e.t.Helper()
	rows, err := e.pool.Query(e.ctx, `DELETE FROM pgmq.q_centralcloud_checks q
		WHERE (q.message->'repository'->>'id')::bigint = $1
		   OR (q.message->>'server_run_id')::uuid IN (SELECT s.id FROM scanner_runs s
		        JOIN repositories r ON r.id = s.repository_id WHERE r.github_repo_id = $1)
		   OR (q.message->>'check_id')::uuid IN (SELECT c.id FROM check_runs c
		        JOIN repositories r ON r.id = c.repository_id WHERE r.github_repo_id = $1)
		RETURNING q.msg_id, q.message`, e.tenant.Repo.ID)
	require.NoError(e.t, err)
	defer rows.Close()
	var msgs []queuedMessage
	for rows.Next() {
		var m queuedMessage
		require.NoError(e.t, rows.Scan(&m.ID, &m.Body))
		msgs = append(msgs, m)
	}
	require.NoError(e.t, rows.Err())
	return sortMessages(msgs)
}

type queuedMessage struct {
	ID   int64
	Body []byte
}

func sortMessages(msgs []queuedMessage) []queuedMessage {
	for i := 1; i < len(msgs); i++ {
		for j := i; j > 0 && msgs[j].ID < msgs[j-1].ID; j-- {
			msgs[j], msgs[j-1] = msgs[j-1], msgs[j]
		}
	}
	return msgs
}

// drain handles the tenant's queued check messages until none is left,
// as a worker would, and fails the test on a handler error.
func (e *testEnv) drain() int {
	e.t.Helper()
	handled := 0
	for range 20 {
		msgs := e.takeMessages()
		if len(msgs) == 0 {
			return handled
		}
		for _, m := range msgs {
			require.NoError(e.t, e.app.Checks().HandleMessage(e.ctx, m.Body), "message %s", m.Body)
			handled++
		}
	}
	e.t.Fatal("check messages kept coming after 20 rounds")
	return handled
}

// handle sends one message body through the checks handler.
func (e *testEnv) handle(msg any) error {
	e.t.Helper()
	body, err := json.Marshal(msg)
	require.NoError(e.t, err)
	return e.app.Checks().HandleMessage(e.ctx, body)
}

// enqueued reports whether msg is in the tenant's part of the queue.
func (e *testEnv) queuedCount() int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT count(*) FROM pgmq.q_centralcloud_checks q
		WHERE (q.message->'repository'->>'id')::bigint = $1`, e.tenant.Repo.ID).Scan(&n))
	return n
}

// registeredMessage is what the scanner API sends for a registered run.
func registeredMessage(runID uuid.UUID) queue.CheckMessage {
	return queue.CheckMessage{Type: queue.CheckRunRegistered, ServerRunID: runID}
}

// completedMessage is what the scanner API sends after a final event.
func completedMessage(runID uuid.UUID, finalEventAt time.Time) queue.CheckMessage {
	return queue.CheckMessage{Type: queue.CheckRunCompleted, ServerRunID: runID, FinalEventAt: finalEventAt.UnixMilli()}
}

// histogramCount returns the number of observations of a histogram.
func (e *testEnv) histogramCount(name string) uint64 {
	e.t.Helper()
	families, err := e.registry.Gather()
	require.NoError(e.t, err)
	for _, f := range families {
		if f.GetName() == name {
			var n uint64
			for _, m := range f.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
			return n
		}
	}
	return 0
}
