package reliability

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/database/embedded"
)

// Phases of the restart test, in order.
const (
	phaseUp int32 = iota
	phaseDown
	phaseRestarted
)

// loadResult is one completed request of the load.
type loadResult struct {
	startPhase, endPhase int32
	status               int
	retryAfter           string
	serverRunID          string
	// eventID is set for an event with a 2xx response.
	eventID string
	// commit is the commit of the run that the request was about.
	commit  string
	latency time.Duration
	err     error
}

// cluster is a throwaway PostgreSQL cluster of the test's own, reached
// through a proxy so that its port may change across a restart.
type cluster struct {
	dataDir string
	server  *embedded.Server
	proxy   *tcpProxy
}

func startCluster(t *testing.T, ctx context.Context) *cluster {
	t.Helper()
	// The dbtest prefix lets the next test run sweep a cluster that a killed
	// run left behind.
	dir, err := os.MkdirTemp("", "centralcloud-test-pg-reliability-")
	require.NoError(t, err)
	// The server runs as the postgres user when the tests run as root.
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	c := &cluster{dataDir: dir}
	c.server, err = embedded.Start(ctx, embedded.Options{DataDir: dir, Database: "reliability", Logger: zerolog.Nop()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.server.Stop() })
	require.NoError(t, database.MigrateUp(c.server.URL()))
	c.proxy = startProxy(t, serverAddr(c.server))
	return c
}

func serverAddr(s *embedded.Server) string { return "127.0.0.1:" + strconv.Itoa(s.Port()) }

// url is the database URL through the proxy.
func (c *cluster) url() string {
	return fmt.Sprintf("postgres://postgres@%s/reliability?sslmode=disable", c.proxy.addr())
}

// restart starts the stopped cluster again, on whatever port is free, and
// points the proxy at it.
func (c *cluster) restart(t *testing.T, ctx context.Context) {
	t.Helper()
	var err error
	c.server, err = embedded.Start(ctx, embedded.Options{DataDir: c.dataDir, Database: "reliability", Logger: zerolog.Nop()})
	require.NoError(t, err)
	c.proxy.setTarget(serverAddr(c.server))
}

// load registers runs from several clients until stop is closed.
type load struct {
	e *env
	// newCommits gives each run a commit of its own instead of commitOne,
	// so each run's Check Run can be counted.
	newCommits bool
	// pause is the wait of each client between two runs; zero sends as
	// fast as the service answers.
	pause   time.Duration
	phase   atomic.Int32
	mu      sync.Mutex
	results []loadResult
	stop    chan struct{}
	wg      sync.WaitGroup
}

func startLoad(e *env, clients int, newCommits bool, pause time.Duration) *load {
	l := &load{e: e, stop: make(chan struct{}), newCommits: newCommits, pause: pause}
	client := &http.Client{Timeout: 15 * time.Second}
	for c := range clients {
		l.wg.Add(1)
		go l.run(client, c)
	}
	return l
}

func (l *load) run(client *http.Client, c int) {
	defer l.wg.Done()
	// The loop ends with the test context as well as when stop closes.
	for i := 0; l.e.ctx.Err() == nil; i++ {
		select {
		case <-l.stop:
			return
		default:
		}
		commit := commitOne
		if l.newCommits {
			commit = newCommit()
		}
		run := l.send(client, "/scanner/runs",
			runBody(l.e.a.login, l.e.a.repo.Name, fmt.Sprintf("load-%d-%d-%s", c, i, uuid.NewString()[:8]), commit))
		run.commit = commit
		l.record(run)
		if run.serverRunID != "" {
			event := l.send(client, "/scanner/events", eventBody(run.serverRunID, "final", true))
			event.commit = commit
			l.record(event)
		}
		if l.pause > 0 {
			select {
			case <-l.stop:
				return
			case <-time.After(l.pause):
			}
		}
	}
}

// send posts body to path with tenant A's org token.
func (l *load) send(client *http.Client, path string, body any) loadResult {
	e := l.e
	res := loadResult{startPhase: l.phase.Load()}
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.srv.URL+path, jsonReader(body))
	if err != nil {
		res.err = err
		return res
	}
	req.Header.Set("Authorization", "Bearer "+e.a.orgToken)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	r, err := sendWith(client, req)
	res.latency, res.endPhase, res.err = time.Since(start), l.phase.Load(), err
	if err == nil {
		res.status, res.retryAfter = r.status, r.header.Get("Retry-After")
		if id, ok := r.body["server_run_id"].(string); ok && r.status/100 == 2 {
			res.serverRunID = id
		}
		if id, ok := r.body["event_id"].(string); ok && r.status/100 == 2 {
			res.eventID = id
		}
	}
	return res
}

func (l *load) record(r loadResult) {
	l.mu.Lock()
	l.results = append(l.results, r)
	l.mu.Unlock()
}

// count returns how many results match.
func (l *load) count(match func(loadResult) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.results {
		if match(r) {
			n++
		}
	}
	return n
}

func (l *load) finish() []loadResult {
	close(l.stop)
	l.wg.Wait()
	return l.results
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		require.Less(t, time.Since(start), timeout, "timed out waiting for %s", what)
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func (e *env) readiness() response {
	return e.do(http.MethodGet, "/readyz", "", nil)
}

func TestPostgresRestartDuringLoad(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := startCluster(t, ctx)
	pool, err := database.Open(ctx, c.url(), database.PoolOptions{MaxConns: 8, ConnectTimeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	e := setupWithPool(t, pool)
	l := startLoad(e, 4, false, 0)
	ok := func(r loadResult) bool { return r.serverRunID != "" }

	waitFor(t, "50 runs registered", 30*time.Second, func() bool { return l.count(ok) >= 50 })
	require.NoError(t, c.server.Stop())
	stoppedAt := time.Now()
	l.phase.Store(phaseDown)
	downOnly := func(r loadResult) bool { return r.startPhase == phaseDown && r.endPhase == phaseDown }
	waitFor(t, "20 answers while down", 30*time.Second, func() bool { return l.count(downOnly) >= 20 })
	ready := e.readiness()
	require.Equal(t, http.StatusServiceUnavailable, ready.status, string(ready.raw))
	require.Equal(t, "unreachable", ready.body["checks"].(map[string]any)["database"], string(ready.raw))
	require.NotEmpty(t, ready.header.Get("Retry-After"))

	c.restart(t, ctx)
	l.phase.Store(phaseRestarted)
	restarted := time.Now()
	afterRestart := func(r loadResult) bool { return ok(r) && r.startPhase == phaseRestarted }
	recovery := waitFor(t, "a run registered after the restart", 30*time.Second,
		func() bool { return l.count(afterRestart) >= 1 })
	waitFor(t, "50 runs registered after the restart", 30*time.Second,
		func() bool { return l.count(afterRestart) >= 50 })
	results := l.finish()
	require.Equal(t, http.StatusOK, e.readiness().status)

	summary := checkRestartResults(t, results)
	runs, events := requireStored(t, e.ctx, pool, results)
	require.Positive(t, events)
	t.Logf("restart: %d requests, %d answered 2xx (%d runs, %d events stored), %d answered 503 (max %v while down), "+
		"outage %v, first 2xx %v after the restart",
		len(results), summary.ok, runs, events, summary.unavailable, summary.maxDownLatency,
		restarted.Sub(stoppedAt).Round(time.Millisecond), recovery.Round(time.Millisecond))
}

type restartSummary struct {
	ok, unavailable int
	maxDownLatency  time.Duration
}

// checkRestartResults requires every response to be 2xx or a fast 503 with
// Retry-After, and every request that began and ended while the database
// was down to be such a 503.
func checkRestartResults(t *testing.T, results []loadResult) restartSummary {
	t.Helper()
	var s restartSummary
	for _, r := range results {
		require.NoError(t, r.err)
		switch {
		case r.status/100 == 2:
			require.True(t, r.serverRunID != "" || r.eventID != "", "2xx without an id")
			require.False(t, r.startPhase == phaseDown && r.endPhase == phaseDown,
				"a run registered while the database was stopped")
			s.ok++
		case r.status == http.StatusServiceUnavailable:
			require.NotEmpty(t, r.retryAfter, "503 without Retry-After")
			s.unavailable++
			if r.startPhase == phaseDown && r.endPhase == phaseDown {
				s.maxDownLatency = max(s.maxDownLatency, r.latency)
			}
		default:
			t.Fatalf("status %d in phase %d to %d: only 2xx and 503 are expected", r.status, r.startPhase, r.endPhase)
		}
	}
	// The pool's connect timeout is 2 s; a 503 should come well before it
	// when the server refuses connections.
	require.Less(t, s.maxDownLatency, 2*time.Second)
	return s
}

// requireStored checks that every run and event with a 2xx response is in the
// database, and returns their numbers.
func requireStored(t *testing.T, ctx context.Context, pool *pgxpool.Pool, results []loadResult) (runs, events int) {
	t.Helper()
	var runIDs, eventIDs []uuid.UUID
	for _, r := range results {
		if r.serverRunID != "" {
			runIDs = append(runIDs, uuid.MustParse(r.serverRunID))
		}
		if r.eventID != "" {
			eventIDs = append(eventIDs, uuid.MustParse(r.eventID))
		}
	}
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM scanner_runs WHERE id = ANY($1)`, runIDs).Scan(&runs))
	require.Equal(t, len(runIDs), runs, "runs answered 2xx but missing after the restart")
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM scanner_events WHERE id = ANY($1)`, eventIDs).Scan(&events))
	require.Equal(t, len(eventIDs), events, "events answered 2xx but missing after the restart")
	return runs, events
}
