package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
	"github.com/centralcloud/centralcloud/queue"
)

// outageHandlerOptions are short queue delays, so that retries happen
// within a test run; production defaults are 5 s doubling to 15 min.
func outageHandlerOptions(maxReads int) queue.HandlerOptions {
	return queue.HandlerOptions{
		Concurrency: 2, VisibilityTimeout: time.Second, Timeout: 10 * time.Second, MaxReads: maxReads,
		RetryBaseDelay: 200 * time.Millisecond, RetryMaxDelay: time.Second,
		PollWait: 200 * time.Millisecond, PollInterval: 20 * time.Millisecond,
	}
}

// attempt is one handling of a checks message by the worker.
type attempt struct {
	at  time.Time
	err error
}

// checksWorker is the queue Runner with the real checks handler, and the
// attempts it made per message id.
type checksWorker struct {
	mu       sync.Mutex
	attempts map[int64][]attempt
}

// startChecksWorker runs the queue Runner with the checks handler until
// the test ends.
func (e *env) startChecksWorker(t *testing.T, maxReads int) *checksWorker {
	t.Helper()
	w := &checksWorker{attempts: map[int64][]attempt{}}
	runner := queue.NewRunner(e.pool, queue.RunnerOptions{Logger: testLogger(t), ShutdownGrace: 5 * time.Second})
	checks := e.app.Checks()
	require.NoError(t, runner.Handle(queue.Checks, func(ctx context.Context, m queue.Message) error {
		err := checks.HandleMessage(ctx, m.Body)
		w.mu.Lock()
		w.attempts[m.ID] = append(w.attempts[m.ID], attempt{at: time.Now(), err: err})
		w.mu.Unlock()
		return err
	}, outageHandlerOptions(maxReads)))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = runner.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return w
}

func (w *checksWorker) attemptsOf(msgID int64) []attempt {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.attempts[msgID]
}

// failedAttempts counts the attempts that returned an error, and returns
// the shortest wait before the retry of a failed attempt.
func (w *checksWorker) failedAttempts() (failed int, minRetryGap time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	minRetryGap = time.Hour
	for _, attempts := range w.attempts {
		for i, a := range attempts {
			if a.err == nil {
				continue
			}
			failed++
			if i+1 < len(attempts) {
				minRetryGap = min(minRetryGap, attempts[i+1].at.Sub(a.at))
			}
		}
	}
	return failed, minRetryGap
}

// scan registers a run for the commit and posts its final event with one
// finding.
func (e *env) scan(ten tenant, commit string) {
	e.t.Helper()
	r := e.post("/scanner/runs", ten.orgToken, runBody(ten.login, ten.repo.Name, "run-"+commit, commit))
	require.Equal(e.t, http.StatusCreated, r.status, string(r.raw))
	runID := r.body["server_run_id"].(string)
	r = e.post("/scanner/events", ten.orgToken, eventBody(runID, "final", true))
	require.Equal(e.t, http.StatusOK, r.status, string(r.raw))
}

func newCommit() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (e *env) deadLetters(t *testing.T) []queue.DeadLetter {
	t.Helper()
	letters, err := queue.ListDeadLetters(e.ctx, e.pool, queue.DeadLetterFilter{Queue: queue.Checks})
	require.NoError(t, err)
	return letters
}

func TestGitHubFailingChecksRetried(t *testing.T) {
	t.Parallel()
	e := setupWithPool(t, ownDatabase(t))
	r := e.deliverSigned("installation", uuid.NewString(), e.a.installedPayload(t))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	const failures = 6
	e.github.InjectFault(fakegithub.ServerError(fakegithub.RouteCreateCheckRun, failures, http.StatusBadGateway))
	e.github.InjectFault(fakegithub.ServerError(fakegithub.RouteUpdateCheckRun, failures, http.StatusServiceUnavailable))
	commits := []string{newCommit(), newCommit(), newCommit()}
	for _, commit := range commits {
		e.scan(e.a, commit)
	}
	worker := e.startChecksWorker(t, 20)

	completed := func() bool {
		for _, commit := range commits {
			runs := e.github.CheckRuns(e.a.login, e.a.repo.Name, commit)
			if len(runs) != 1 || runs[0].Status != "completed" {
				return false
			}
		}
		return true
	}
	took := waitFor(t, "every check completed", 60*time.Second, completed)
	for _, commit := range commits {
		runs := e.github.CheckRuns(e.a.login, e.a.repo.Name, commit)
		require.Len(t, runs, 1, commit)
		require.Equal(t, "failure", runs[0].Conclusion, commit)
		require.Len(t, runs[0].Annotations, 1, commit)
	}
	failed := countStatus(e.github.CallsTo(fakegithub.RouteCreateCheckRun), http.StatusBadGateway) +
		countStatus(e.github.CallsTo(fakegithub.RouteUpdateCheckRun), http.StatusServiceUnavailable)
	require.Equal(t, 2*failures, failed, "every injected failure reached GitHub")
	require.Empty(t, e.deadLetters(t))
	attempts, minGap := worker.failedAttempts()
	require.Equal(t, failed, attempts, "failed handler runs, one per failed GitHub call")
	// The first retry waits RetryBaseDelay (200 ms) less up to 10% jitter.
	require.GreaterOrEqual(t, minGap, 180*time.Millisecond, "shortest wait before a retry")
	t.Logf("github outage: %d failed calls, each retried through the queue after at least %v; "+
		"%d checks completed %v after the worker started",
		failed, minGap.Round(time.Millisecond), len(commits), took.Round(time.Millisecond))
}

func countStatus(calls []fakegithub.Call, status int) int {
	n := 0
	for _, c := range calls {
		if c.Status == status {
			n++
		}
	}
	return n
}

func TestGitHubDownDeadLettersAfterMaxReads(t *testing.T) {
	t.Parallel()
	e := setupWithPool(t, ownDatabase(t))
	r := e.deliverSigned("installation", uuid.NewString(), e.a.installedPayload(t))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	// Times 0: every create fails until ClearFaults.
	e.github.InjectFault(fakegithub.ServerError(fakegithub.RouteCreateCheckRun, 0, http.StatusInternalServerError))
	commit := newCommit()
	e.scan(e.a, commit)
	const maxReads = 3
	worker := e.startChecksWorker(t, maxReads)

	// The scan queued two messages: the run registered and the run completed.
	waitFor(t, "two dead letters", 60*time.Second, func() bool { return len(e.deadLetters(t)) == 2 })
	for _, letter := range e.deadLetters(t) {
		require.Equal(t, maxReads, letter.ReadCount)
		require.Contains(t, letter.LastError, "500", "dead letter %d", letter.MsgID)
		require.Len(t, worker.attemptsOf(letter.MsgID), maxReads, "dead letter %d", letter.MsgID)
	}
	require.Equal(t, 2*maxReads, countStatus(e.github.CallsTo(fakegithub.RouteCreateCheckRun), http.StatusInternalServerError))
	require.Empty(t, e.github.CheckRuns(e.a.login, e.a.repo.Name, commit))

	// Nothing was dropped: once GitHub is back, the requeued letters
	// complete the check.
	e.github.ClearFaults()
	requeued, err := queue.RequeueAll(e.ctx, e.pool, queue.Checks)
	require.NoError(t, err)
	require.Equal(t, 2, requeued)
	waitFor(t, "the check completed", 30*time.Second, func() bool {
		runs := e.github.CheckRuns(e.a.login, e.a.repo.Name, commit)
		return len(runs) == 1 && runs[0].Status == "completed"
	})
	runs := e.github.CheckRuns(e.a.login, e.a.repo.Name, commit)
	require.Len(t, runs, 1)
	require.Len(t, runs[0].Annotations, 1)
}
