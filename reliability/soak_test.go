package reliability

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/queue"
)

// envSoak names the variable that turns the soak test on, with its length
// of load as a Go duration such as 3m.
const envSoak = "CENTRALCLOUD_TEST_SOAK"

// startKillableWorker runs a second checks worker and returns a function
// that stops it the way a kill does: its handlers are cancelled at once and
// nothing they hold is acknowledged, so those messages reappear after
// their visibility timeout.
func (e *env) startKillableWorker(t *testing.T, maxReads int) (kill func()) {
	t.Helper()
	runner := queue.NewRunner(e.pool, queue.RunnerOptions{Logger: testLogger(t), ShutdownGrace: 0})
	checks := e.app.Checks()
	require.NoError(t, runner.Handle(queue.Checks, func(ctx context.Context, m queue.Message) error {
		return checks.HandleMessage(ctx, m.Body)
	}, outageHandlerOptions(maxReads)))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = runner.Run(ctx)
	}()
	var once sync.Once
	kill = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
	}
	t.Cleanup(kill)
	return kill
}

// TestSoakMixedLoad runs steady load for the duration in
// CENTRALCLOUD_TEST_SOAK with one PostgreSQL restart and one worker kill,
// then requires the counts of accepted requests, stored runs and events,
// and completed Check Runs to agree. It is skipped unless that variable is
// set, because it takes minutes.
func TestSoakMixedLoad(t *testing.T) {
	raw := os.Getenv(envSoak)
	if raw == "" {
		t.Skip("set " + envSoak + " to a duration such as 3m to run the soak test")
	}
	soak, err := time.ParseDuration(raw)
	require.NoError(t, err, "%s=%q is not a duration such as 3m", envSoak, raw)
	ctx, cancel := context.WithTimeout(context.Background(), soak+3*time.Minute)
	defer cancel()
	c := startCluster(t, ctx)
	pool, err := database.Open(ctx, c.url(), database.PoolOptions{MaxConns: 16, ConnectTimeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	e := setupWithPool(t, pool)
	e.ctx = ctx
	r := e.deliverSigned("installation", uuid.NewString(), e.a.installedPayload(t))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	const maxReads = 20
	kill := e.startKillableWorker(t, maxReads)
	e.startChecksWorker(t, maxReads)
	// Four clients with a pause of 400 ms run about ten runs a second, a
	// steady load that two checks workers keep up with.
	l := startLoad(e, 4, true, 400*time.Millisecond)

	// One third of the load, then a restart of PostgreSQL, then a third,
	// then the kill of one worker, then the last third.
	time.Sleep(soak / 3)
	require.NoError(t, c.server.Stop())
	l.phase.Store(phaseDown)
	stopped := time.Now()
	time.Sleep(3 * time.Second)
	c.restart(t, ctx)
	l.phase.Store(phaseRestarted)
	outage := time.Since(stopped)
	time.Sleep(soak / 3)
	kill()
	time.Sleep(soak / 3)
	results := l.finish()

	drained := waitFor(t, "the checks queue to drain", 3*time.Minute, func() bool {
		stats, err := queue.Metrics(ctx, pool, queue.Checks)
		return err == nil && stats.Length == 0
	})
	summary := checkRestartResults(t, results)
	runs, events := requireStored(t, ctx, pool, results)
	letters := e.deadLetters(t)
	for _, l := range letters {
		t.Logf("dead letter %d: %s: %s", l.MsgID, string(l.Body), l.LastError)
	}
	require.Empty(t, letters, "no check message may be dead-lettered")
	checks := e.requireOneCheckPerFinalEvent(t, results)
	t.Logf("soak %v: %d requests, %d answered 2xx, %d answered 503; %d runs and %d events stored; "+
		"%d Check Runs completed, one per final event; outage %v; queue drained %v after the load",
		soak, len(results), summary.ok, summary.unavailable, runs, events, checks,
		outage.Round(time.Millisecond), drained.Round(time.Millisecond))
}

// requireOneCheckPerFinalEvent requires each commit whose final event was
// accepted to have exactly one Check Run on the fake GitHub, completed,
// and returns how many there are.
func (e *env) requireOneCheckPerFinalEvent(t *testing.T, results []loadResult) int {
	t.Helper()
	completed := 0
	for _, r := range results {
		if r.eventID == "" || r.status != http.StatusOK {
			continue
		}
		runs := e.github.CheckRuns(e.a.login, e.a.repo.Name, r.commit)
		require.Len(t, runs, 1, "Check Runs on commit %s", r.commit)
		require.Equal(t, "completed", runs[0].Status, "commit %s", r.commit)
		completed++
	}
	return completed
}
