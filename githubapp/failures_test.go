package githubapp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// faultyProxy sits between the App and the fake GitHub and breaks one
// check run update. The nth PATCH either never reaches GitHub, or reaches
// it and GitHub's response is lost.
type faultyProxy struct {
	mu       sync.Mutex
	patches  int
	failNth  int
	lostNth  int
	upstream *httputil.ReverseProxy
}

func (p *faultyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPatch || !strings.Contains(r.URL.Path, "/check-runs/") {
		p.upstream.ServeHTTP(w, r)
		return
	}
	p.mu.Lock()
	p.patches++
	n := p.patches
	p.mu.Unlock()
	switch n {
	case p.failNth:
		http.Error(w, `{"message":"Server Error"}`, http.StatusBadGateway)
	case p.lostNth:
		p.upstream.ServeHTTP(httptest.NewRecorder(), r)
		http.Error(w, `{"message":"Server Error"}`, http.StatusBadGateway)
	default:
		p.upstream.ServeHTTP(w, r)
	}
}

// setupWithProxy starts an App whose GitHub calls pass through proxy.
func setupWithProxy(t *testing.T, proxy *faultyProxy) *testEnv {
	return setup(t, func(o *setupOptions) {
		o.apiURL = func(fake *fakegithub.Server) string {
			target, err := url.Parse(fake.URL())
			require.NoError(t, err)
			proxy.upstream = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
			srv := httptest.NewServer(proxy)
			t.Cleanup(srv.Close)
			return srv.URL + target.Path
		}
	})
}

func TestAnnotationsOnceWhenBatchFails(t *testing.T) {
	t.Parallel()
	for name, proxy := range map[string]*faultyProxy{
		"rejected":    {failNth: 3},
		"answer lost": {lostNth: 3},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := setupWithProxy(t, proxy)
			sha := newSHA()
			runID := e.registerRun(sha)
			// PATCH 1 moves the run to in_progress; PATCH 2 and 3 carry
			// the first two annotation batches.
			require.NoError(t, e.handle(registeredMessage(runID)))
			require.NoError(t, e.handle(registeredMessage(runID)))
			at := e.finishRun(runID, conclusionFailure, locatedFindings(130))

			err := e.handle(completedMessage(runID, at))
			require.Error(t, err)
			var retry RetryAfterError
			assert.False(t, errors.As(err, &retry), "a 502 uses the queue's backoff")
			rows := e.checkRows(sha)
			require.Len(t, rows, 1)
			assert.Equal(t, 1, rows[0].BatchesSent)
			require.NotNil(t, rows[0].LastError)
			assert.Contains(t, *rows[0].LastError, "502")

			require.NoError(t, e.handle(completedMessage(runID, at)))
			runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
			require.Len(t, runs, 1)
			assert.Equal(t, "completed", runs[0].Status)
			require.Len(t, runs[0].Annotations, 130, "every annotation exactly once")
			lines := map[int]int{}
			for _, a := range runs[0].Annotations {
				lines[a.StartLine]++
			}
			assert.Len(t, lines, 130, "130 distinct findings")
			rows = e.checkRows(sha)
			assert.Equal(t, 3, rows[0].BatchesSent)
			assert.Nil(t, rows[0].LastError)
		})
	}
}

func TestSecondaryRateLimitRetriedAfterDelay(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	at := e.finishRun(runID, conclusionSuccess, locatedFindings(70)[69:])
	e.fake.InjectFault(fakegithub.SecondaryRateLimit(fakegithub.RouteUpdateCheckRun, 1, 2*time.Second))

	err := e.handle(completedMessage(runID, at))
	require.Error(t, err)
	var retry RetryAfterError
	require.True(t, errors.As(err, &retry), "error %v carries a retry delay", err)
	assert.InDelta(t, 2*time.Second, retry.RetryAfter(), float64(100*time.Millisecond))

	// The queue would hide the message for RetryAfter; a retry before then
	// is refused by go-github without calling GitHub, with the time left.
	calls := len(e.fake.Calls())
	err = e.handle(completedMessage(runID, at))
	require.True(t, errors.As(err, &retry))
	assert.LessOrEqual(t, retry.RetryAfter(), 2*time.Second)
	assert.Equal(t, calls, len(e.fake.Calls()))

	// Stands in for the queue's visibility timeout.
	<-time.After(retry.RetryAfter())
	require.NoError(t, e.handle(completedMessage(runID, at)))
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "completed", runs[0].Status)
	assert.Len(t, runs[0].Annotations, 1)
	patches := e.fake.CallsTo(fakegithub.RouteUpdateCheckRun)
	require.GreaterOrEqual(t, len(patches), 2)
	last := patches[len(patches)-1]
	assert.Equal(t, http.StatusOK, last.Status)
	assert.GreaterOrEqual(t, last.Time.Sub(patches[len(patches)-2].Time), 1900*time.Millisecond)
}

func TestPrimaryRateLimitRetriedAfterReset(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	e.fake.InjectFault(fakegithub.PrimaryRateLimit(fakegithub.RouteCreateCheckRun, 1, 30*time.Second))
	err := e.handle(registeredMessage(runID))
	var retry RetryAfterError
	require.True(t, errors.As(err, &retry), "error %v carries a retry delay", err)
	assert.InDelta(t, 30*time.Second, retry.RetryAfter(), float64(2*time.Second))
}

func TestServerErrorUsesQueueBackoff(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	e.fake.InjectFault(fakegithub.ServerError(fakegithub.RouteCreateCheckRun, 1, http.StatusServiceUnavailable))
	err := e.handle(registeredMessage(runID))
	require.Error(t, err)
	var retry RetryAfterError
	assert.False(t, errors.As(err, &retry))
	rows := e.checkRows(sha)
	require.Len(t, rows, 1)
	assert.Equal(t, checkPending, rows[0].Status)

	require.NoError(t, e.handle(registeredMessage(runID)))
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "in_progress", runs[0].Status)
}

func TestExpiredTokenRenewedOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	require.Len(t, e.fake.IssuedTokens(e.tenant.InstallationID), 1)

	require.Equal(t, 1, e.fake.ExpireInstallationTokens(e.tenant.InstallationID))
	at := e.finishRun(runID, conclusionSuccess, nil)
	require.NoError(t, e.handle(completedMessage(runID, at)))
	assert.Len(t, e.fake.IssuedTokens(e.tenant.InstallationID), 2, "a new token after the 401")
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "completed", runs[0].Status)
	unauthorized := 0
	for _, c := range e.fake.CallsTo(fakegithub.RouteUpdateCheckRun) {
		if c.Status == http.StatusUnauthorized {
			unauthorized++
		}
	}
	assert.Equal(t, 1, unauthorized)
}

func TestMissingChecksPermissionPostsStatus(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) {
		o.permissions = map[string]string{"statuses": "write", "metadata": "read"}
	})
	sha := newSHA()
	e.deliver("pull_request", e.pullRequestPayload("opened", sha), uuid.NewString())
	require.Equal(t, 1, e.drain())
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	at := e.finishRun(runID, conclusionFailure, locatedFindings(4))
	require.NoError(t, e.handle(completedMessage(runID, at)))

	assert.Empty(t, e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha))
	statuses := e.fake.Statuses(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, statuses, 2)
	assert.Equal(t, "pending", statuses[0].State)
	assert.Equal(t, "failure", statuses[1].State)
	assert.Equal(t, CheckRunName, statuses[1].Context)
	assert.Equal(t, "2 blocking findings", statuses[1].Description)
	assert.Equal(t, testPublicURL+"/runs/"+runID.String(), statuses[1].TargetURL)
	rows := e.checkRows(sha)
	require.Len(t, rows, 1)
	assert.Equal(t, modeCommitStatus, rows[0].Mode)
	assert.Equal(t, 1.0, testutil.ToFloat64(e.app.checks.metrics.checksCompleted.WithLabelValues(conclusionFailure, modeCommitStatus)))
}

func TestRevokedChecksPermissionFallsBackToStatus(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	e.deliver("pull_request", e.pullRequestPayload("opened", sha), uuid.NewString())
	require.Equal(t, 1, e.drain())
	// The webhook reported checks:write, but GitHub now responds 403.
	require.NoError(t, e.fake.SetPermissions(e.tenant.InstallationID, map[string]string{"statuses": "write"}))
	e.fake.ExpireInstallationTokens(e.tenant.InstallationID)

	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	at := e.finishRun(runID, conclusionSuccess, nil)
	require.NoError(t, e.handle(completedMessage(runID, at)))

	statuses := e.fake.Statuses(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, statuses, 2)
	assert.Equal(t, "pending", statuses[0].State)
	assert.Equal(t, "success", statuses[1].State)
	rows := e.checkRows(sha)
	require.Len(t, rows, 1)
	assert.Equal(t, modeCommitStatus, rows[0].Mode)
	assert.Equal(t, checkCompleted, rows[0].Status)
}

func TestUnknownPermissionsReadFromGitHub(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.permissions = map[string]string{"statuses": "write"} })
	// A row written without permissions, as the scanner API does for an
	// installation that no webhook announced.
	_, err := e.pool.Exec(e.ctx, `UPDATE installations SET permissions = '{}' WHERE github_installation_id = $1`,
		e.tenant.InstallationID)
	require.NoError(t, err)
	sha := newSHA()
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	assert.Len(t, e.fake.CallsTo(fakegithub.RouteGetInstallation), 1)
	assert.Len(t, e.fake.Statuses(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha), 1)
	var perms map[string]string
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT permissions FROM installations WHERE github_installation_id = $1`,
		e.tenant.InstallationID).Scan(&perms))
	assert.Equal(t, "write", perms["statuses"])
}

func TestSuspendedInstallationSkipsChecks(t *testing.T) {
	t.Parallel()
	e := setup(t)
	payload := e.payload("installation/suspend.json", e.patchInstallation)
	require.Equal(t, http.StatusOK, e.deliver("installation", payload, uuid.NewString()).StatusCode)
	sha := newSHA()
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	assert.Empty(t, e.fake.CallsTo(fakegithub.RouteCreateCheckRun))
}
