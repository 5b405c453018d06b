package reliability

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// Where the kill proxy stops the worker relative to the GitHub call it
// intercepts.
const (
	killBeforeCall = "before the call"
	killAfterCall  = "after GitHub applied the call"
)

// killProxy is a reverse proxy between the App and the fake GitHub. At the chosen call
// it cancels the worker's context, as if the worker process died, either
// before forwarding the call or after GitHub applied it but before the
// worker read the response.
type killProxy struct {
	forward *httputil.ReverseProxy
	mu      sync.Mutex
	calls   int
	killAt  int
	mode    string
	cancel  context.CancelFunc
}

func newKillProxy(t *testing.T, target string) (*killProxy, string) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	// The request paths already carry the API root, so the proxy forwards
	// them to the fake's host unchanged.
	p := &killProxy{forward: httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL + u.Path
}

// arm sets the call (counted from 1) at which the next kill happens; 0
// kills nothing.
func (p *killProxy) arm(killAt int, mode string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls, p.killAt, p.mode = 0, killAt, mode
}

// attempt gives the proxy the cancel function of the worker's context.
func (p *killProxy) attempt(cancel context.CancelFunc) {
	p.mu.Lock()
	p.cancel = cancel
	p.mu.Unlock()
}

func (p *killProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.calls++
	kill := p.calls == p.killAt
	mode, cancel := p.mode, p.cancel
	p.mu.Unlock()
	if !kill {
		p.forward.ServeHTTP(w, r)
		return
	}
	if mode == killAfterCall {
		p.forward.ServeHTTP(httptest.NewRecorder(), r.Clone(context.WithoutCancel(r.Context())))
	}
	cancel()
	// The worker is gone, so it never reads a response: drop the
	// connection. Not every GitHub call of the App carries the handler's
	// context, so waiting for the client to go away could wait forever.
	panic(http.ErrAbortHandler)
}

func (p *killProxy) callCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// findingsEvent is a final event with n findings at distinct lines, so
// the Check Run needs n/50 rounded up annotation batches.
func findingsEvent(runID string, n int) map[string]any {
	findings := make([]any, n)
	for i := range findings {
		findings[i] = map[string]any{
			"pattern_id": "sql-injection", "path": "app/db.go", "start_line": i + 1, "end_line": i + 1,
			"severity": "error", "message": "query built from input", "fingerprint": fmt.Sprintf("fp-%d", i),
		}
	}
	return map[string]any{"server_run_id": runID, "event_id": "final", "final": true,
		"results": map[string]any{"findings": findings, "summary": "many findings"}}
}

// handleWithKills handles the tenant's queued check messages in order,
// each attempt with a context the proxy may cancel, and handles a message
// again after a failed attempt as the queue would redeliver it.
func (e *env) handleWithKills(t *testing.T, p *killProxy) (attempts int) {
	t.Helper()
	for range 10 {
		bodies := e.takeCheckMessages(e.a)
		if len(bodies) == 0 {
			return attempts
		}
		for _, body := range bodies {
			var err error
			for range 5 {
				ctx, cancel := context.WithCancel(e.ctx)
				p.attempt(cancel)
				err = e.app.Checks().HandleMessage(ctx, body)
				cancel()
				attempts++
				if err == nil {
					break
				}
			}
			require.NoError(t, err, "message %s still failing after 5 attempts", body)
		}
	}
	t.Fatal("check messages kept coming after 10 rounds")
	return attempts
}

// scanWithFindings registers a run for commit and posts a final event
// with n findings.
func (e *env) scanWithFindings(t *testing.T, commit string, n int) {
	t.Helper()
	r := e.post("/scanner/runs", e.a.orgToken, runBody(e.a.login, e.a.repo.Name, "run-"+commit, commit))
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
	r = e.post("/scanner/events", e.a.orgToken, findingsEvent(r.body["server_run_id"].(string), n))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
}

// requireOneCompletedCheck checks that the commit has exactly one
// completed Check Run, with every finding's annotation exactly once, and
// returns how many other Check Runs the commit has.
func (e *env) requireOneCompletedCheck(t *testing.T, commit string, findings int, scenario string) (others int) {
	t.Helper()
	var completed []fakegithub.CheckRun
	for _, run := range e.github.CheckRuns(e.a.login, e.a.repo.Name, commit) {
		if run.Status == "completed" {
			completed = append(completed, run)
		} else {
			others++
		}
	}
	require.Len(t, completed, 1, scenario)
	require.Equal(t, "failure", completed[0].Conclusion, scenario)
	lines := map[int]int{}
	for _, a := range completed[0].Annotations {
		lines[a.StartLine]++
	}
	require.Len(t, lines, findings, "%s: annotated lines", scenario)
	for line, n := range lines {
		require.Equal(t, 1, n, "%s: annotations on line %d", scenario, line)
	}
	return others
}

func TestWorkerKilledAtEveryGitHubCall(t *testing.T) {
	t.Parallel()
	var proxy *killProxy
	e := setupWithPool(t, ownDatabase(t), func(fake *fakegithub.Server) string {
		var apiURL string
		proxy, apiURL = newKillProxy(t, fake.URL())
		return apiURL
	})
	r := e.deliverSigned("installation", "install-"+newCommit(), e.a.installedPayload(t))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	const findings = 120 // three annotation batches of at most 50

	// Runs with no kill count the GitHub calls that a check takes. The
	// first also fetches the installation token, which later checks reuse.
	var calls int
	for range 2 {
		clean := newCommit()
		e.scanWithFindings(t, clean, findings)
		proxy.arm(0, "")
		e.handleWithKills(t, proxy)
		calls = proxy.callCount()
		require.Zero(t, e.requireOneCompletedCheck(t, clean, findings, "no kill"))
	}
	require.GreaterOrEqual(t, calls, 5, "a list, a create and three annotation batches")

	killed := 0
	var leftovers []string
	for _, mode := range []string{killBeforeCall, killAfterCall} {
		for k := 1; k <= calls; k++ {
			scenario := fmt.Sprintf("killed %s %d of %d", mode, k, calls)
			commit := newCommit()
			e.scanWithFindings(t, commit, findings)
			proxy.arm(k, mode)
			attempts := e.handleWithKills(t, proxy)
			require.Greater(t, proxy.callCount(), k, scenario)
			// A worker killed after GitHub created the Check Run but before
			// it stored the run's id must not leave that run behind: the
			// retry adopts it.
			if others := e.requireOneCompletedCheck(t, commit, findings, scenario); others > 0 {
				leftovers = append(leftovers, fmt.Sprintf("%s: %d", scenario, others))
			}
			killed += attempts
		}
	}
	t.Logf("worker kills: %d GitHub calls per check, %d kill points, %d handler attempts in all",
		calls, 2*calls, killed)
	require.Empty(t, leftovers, "Check Runs left not completed beside the completed one")
}
