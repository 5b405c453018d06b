package githubapp

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handledEvents are the events with a handler; others get 202.
var handledEvents = []string{
	"installation", "installation_repositories", "pull_request", "check_suite",
	"check_run", "merge_group", "ping",
}

// TestWebhookRecordedPayloads delivers every recorded payload, signed, in
// file order, twice each, and handles the check messages they queue.
func TestWebhookRecordedPayloads(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	dir := webhooksDir(t)
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			files = append(files, path)
		}
		return err
	}))
	require.GreaterOrEqual(t, len(files), 50, "recorded payloads in %s", dir)
	repoIDs := map[int64]bool{}
	for _, file := range files {
		rel, err := filepath.Rel(dir, file)
		require.NoError(t, err)
		event := filepath.Dir(rel)
		payload, err := os.ReadFile(file)
		require.NoError(t, err)
		var body struct {
			Repository struct{ ID int64 } `json:"repository"`
		}
		require.NoError(t, json.Unmarshal(payload, &body))
		repoIDs[body.Repository.ID] = true

		want := http.StatusAccepted
		if slices.Contains(handledEvents, event) {
			want = http.StatusOK
		}
		deliveryID := uuid.NewString()
		for attempt := range 2 {
			res := e.deliver(event, payload, deliveryID)
			assert.Equal(t, want, res.StatusCode, "%s, attempt %d", rel, attempt+1)
		}
		if want == http.StatusOK {
			assert.Equal(t, 1, e.deliveryRows(deliveryID), "%s recorded once", rel)
		}
	}

	// The pull_request, check_suite and check_run payloads queue check
	// work for installations that the fake does not know: the handler
	// must finish every message without error.
	handled := 0
	for id := range repoIDs {
		e.tenant.Repo.ID = id
		handled += e.drain()
	}
	assert.Positive(t, handled, "check messages queued by the recorded payloads")
}

func TestWebhookInstallationFromRecordedPayload(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var login string
	var accountID int64
	var status string
	var perms map[string]string
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT o.login, o.github_account_id, i.status, i.permissions
		FROM installations i JOIN orgs o ON o.id = i.org_id WHERE i.github_installation_id = $1`,
		e.tenant.InstallationID).Scan(&login, &accountID, &status, &perms))
	assert.Equal(t, e.tenant.Account.Login, login)
	assert.Equal(t, e.tenant.Account.ID, accountID)
	assert.Equal(t, installationActive, status)
	assert.Equal(t, "write", perms["checks"])
	repoID, _ := e.repositoryID()
	assert.NotEqual(t, uuid.Nil, repoID)
	assert.Equal(t, 1, e.auditCount("installation.created"))
}

func TestWebhookBadSignatureChangesNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	payload := e.payload("installation/created.json", e.patchInstallation)
	cases := map[string]string{
		"wrong secret":     sign(payload, "not the secret"),
		"missing":          "",
		"not hex":          "sha256=zz",
		"other algorithm":  "sha1=" + strings.Repeat("0", 40),
		"signature of nil": sign(nil, testWebhookSecret),
	}
	for name, signature := range cases {
		deliveryID := uuid.NewString()
		res := e.deliverSigned("installation", payload, deliveryID, signature)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, name)
		assert.Zero(t, e.deliveryRows(deliveryID), name)
	}
	var orgs int
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT count(*) FROM orgs WHERE github_account_id = $1`,
		e.tenant.Account.ID).Scan(&orgs))
	assert.Zero(t, orgs)
	assert.Equal(t, 5.0, testutil.ToFloat64(e.app.checks.metrics.webhookDeliveries.WithLabelValues("installation", "", webhookResultInvalid)))
}

func TestWebhookBadDeliveryIDRejected(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	payload := e.payload("ping/ping.json", nil)
	res := e.deliver("ping", payload, "")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res = e.deliver("ping", payload, strings.Repeat("d", maxDeliveryIDLength+1))
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

func TestWebhookUndecodablePayloadRejected(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	deliveryID := uuid.NewString()
	res := e.deliver("pull_request", []byte(`{"action": "opened", "number": "seven"`), deliveryID)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Zero(t, e.deliveryRows(deliveryID))
}

func TestWebhookUnknownEventAccepted(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	payload := e.payload("push/push.with-installation.json", nil)
	deliveryID := uuid.NewString()
	res := e.deliver("push", payload, deliveryID)
	assert.Equal(t, http.StatusAccepted, res.StatusCode)
	assert.Zero(t, e.deliveryRows(deliveryID))
}

func TestWebhookRedeliveryProcessedOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	payload := e.pullRequestPayload("opened", sha)
	deliveryID := uuid.NewString()
	for range 3 {
		res := e.deliver("pull_request", payload, deliveryID)
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	assert.Equal(t, 1, e.deliveryRows(deliveryID))
	assert.Equal(t, 1, e.queuedCount())
	deliveries := e.app.checks.metrics.webhookDeliveries
	assert.Equal(t, 1.0, testutil.ToFloat64(deliveries.WithLabelValues("pull_request", "opened", webhookResultProcessed)))
	assert.Equal(t, 2.0, testutil.ToFloat64(deliveries.WithLabelValues("pull_request", "opened", webhookResultDuplicate)))
}

// Concurrent deliveries of one id wait on the delivery row's unique key,
// so exactly one of them queues its check message.
func TestWebhookConcurrentRedeliveryQueuesOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	payload := e.pullRequestPayload("synchronize", newSHA())
	deliveryID := uuid.NewString()
	const senders = 8
	statuses := make([]int, senders)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			res := e.deliver("pull_request", payload, deliveryID)
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	for i, status := range statuses {
		assert.Equal(t, http.StatusOK, status, "sender %d", i)
	}
	assert.Equal(t, 1, e.deliveryRows(deliveryID))
	assert.Equal(t, 1, e.queuedCount())
	deliveries := e.app.checks.metrics.webhookDeliveries
	assert.Equal(t, 1.0, testutil.ToFloat64(deliveries.WithLabelValues("pull_request", "synchronize", webhookResultProcessed)))
	assert.Equal(t, float64(senders-1), testutil.ToFloat64(deliveries.WithLabelValues("pull_request", "synchronize", webhookResultDuplicate)))
}

func TestWebhookWithoutInstallationIgnored(t *testing.T) {
	t.Parallel()
	e := setup(t)
	payload := e.payload("pull_request/opened.json", func(p map[string]any) {
		e.patchRepository(p)
		delete(p, "installation")
	})
	deliveryID := uuid.NewString()
	res := e.deliver("pull_request", payload, deliveryID)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 1, e.deliveryRows(deliveryID))
	assert.Zero(t, e.queuedCount())
}

func TestWebhookIgnoredActionRecorded(t *testing.T) {
	t.Parallel()
	e := setup(t)
	payload := e.payload("pull_request/closed.json", e.patchRepository)
	deliveryID := uuid.NewString()
	res := e.deliver("pull_request", payload, deliveryID)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 1, e.deliveryRows(deliveryID))
	assert.Zero(t, e.queuedCount())
}

func TestWebhookDisabledAppAnswers404(t *testing.T) {
	t.Parallel()
	app, err := New(Options{}, Dependencies{Logger: testLogger(t)})
	require.NoError(t, err)
	assert.False(t, app.Enabled())
	assert.Nil(t, app.TokenVerifier())
	res := httptestRecorder(app.WebhookHandler(), http.MethodPost, "/api/github/hook")
	assert.Equal(t, http.StatusNotFound, res.Code)
	assert.NoError(t, app.Checks().HandleMessage(t.Context(), []byte(`{"type":"run_registered"}`)))
}

// pullRequestPayload is a recorded pull_request payload for the tenant's
// repository with head commit sha.
func (e *testEnv) pullRequestPayload(action, sha string) []byte {
	file := "pull_request/opened.json"
	switch action {
	case "synchronize":
		file = "pull_request/synchronize.json"
	case "reopened":
		file = "pull_request/reopened.json"
	}
	return e.payload(file, func(p map[string]any) {
		e.patchRepository(p)
		head := p["pull_request"].(map[string]any)["head"].(map[string]any)
		head["sha"] = sha
	})
}

func (e *testEnv) deliveryRows(deliveryID string) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT count(*) FROM webhook_deliveries WHERE delivery_id = $1`,
		deliveryID).Scan(&n))
	return n
}

func (e *testEnv) auditCount(action string) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT count(*) FROM audit_events
		WHERE action = $1 AND (details->>'installation_id')::bigint = $2`, action, e.tenant.InstallationID).Scan(&n))
	return n
}

func httptestRecorder(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}
