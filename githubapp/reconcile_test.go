package githubapp

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// ageChecks moves the tenant's open check runs past the deadline.
func (e *testEnv) ageChecks(sha string) {
	e.t.Helper()
	_, err := e.pool.Exec(e.ctx, `UPDATE check_runs c SET updated_at = now() - interval '2 hours'
		FROM repositories r WHERE r.id = c.repository_id AND r.github_repo_id = $1 AND c.head_sha = $2`,
		e.tenant.Repo.ID, sha)
	require.NoError(e.t, err)
}

// reconcile runs sweeps until one enqueues nothing, because other tests'
// sweeps may hold the sweep lock.
func (e *testEnv) reconcile() {
	e.t.Helper()
	e.sweepUntil(func() bool { return len(e.peekMessages()) > 0 })
}

// sweepUntil runs reconciler sweeps until done reports true. A sweep may
// find the sweep lock taken by a parallel test's sweep and do nothing.
func (e *testEnv) sweepUntil(done func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := e.app.Reconciler().ReconcileOnce(e.ctx)
		require.NoError(e.t, err)
		if done() {
			return
		}
		require.True(e.t, time.Now().Before(deadline), "reconciler did not get there in 10s")
		<-time.After(20 * time.Millisecond)
	}
}

// peekMessages returns the tenant's queued messages without taking them.
func (e *testEnv) peekMessages() []int64 {
	e.t.Helper()
	var ids []int64
	rows, err := e.pool.Query(e.ctx, `SELECT q.msg_id FROM pgmq.q_centralcloud_checks q
		WHERE (q.message->>'check_id')::uuid IN (SELECT c.id FROM check_runs c
		        JOIN repositories r ON r.id = c.repository_id WHERE r.github_repo_id = $1)
		   OR (q.message->>'server_run_id')::uuid IN (SELECT s.id FROM scanner_runs s
		        JOIN repositories r ON r.id = s.repository_id WHERE r.github_repo_id = $1)`, e.tenant.Repo.ID)
	require.NoError(e.t, err)
	defer rows.Close()
	for rows.Next() {
		var id int64
		require.NoError(e.t, rows.Scan(&id))
		ids = append(ids, id)
	}
	return ids
}

func TestReconcilerTimesOutQueuedCheck(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	e.deliver("pull_request", e.pullRequestPayload("opened", sha), uuid.NewString())
	require.Equal(t, 1, e.drain())

	// A fresh check run is left alone.
	_, err := e.app.Reconciler().ReconcileOnce(e.ctx)
	require.NoError(t, err)
	assert.Empty(t, e.peekMessages())

	e.ageChecks(sha)
	e.reconcile()
	require.Equal(t, 1, e.drain())
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "completed", runs[0].Status)
	assert.Equal(t, conclusionTimedOut, runs[0].Conclusion)
	assert.Equal(t, timedOutTitle, runs[0].Output.Title)
	rows := e.checkRows(sha)
	require.Len(t, rows, 1)
	assert.Equal(t, conclusionTimedOut, *rows[0].Conclusion)
	assert.Equal(t, 1.0, testutil.ToFloat64(e.app.Reconciler().metrics.reconciled.WithLabelValues("timed_out")))

	// A scanner that comes later gets a new check run.
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	runs = e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 2)
	assert.Equal(t, "in_progress", runs[1].Status)
}

func TestReconcilerRetriesFailedPublish(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	at := e.finishRun(runID, conclusionFailure, locatedFindings(75))
	// Every try of the completion fails until the queue gives up on it.
	e.fake.InjectFault(fakegithub.ServerError(fakegithub.RouteUpdateCheckRun, 2, http.StatusBadGateway))
	require.Error(t, e.handle(completedMessage(runID, at)))
	require.Error(t, e.handle(completedMessage(runID, at)))

	e.ageChecks(sha)
	e.reconcile()
	require.Equal(t, 1, e.drain())
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "completed", runs[0].Status)
	assert.Equal(t, conclusionFailure, runs[0].Conclusion)
	assert.Len(t, runs[0].Annotations, 75)
	assert.Equal(t, 1.0, testutil.ToFloat64(e.app.Reconciler().metrics.reconciled.WithLabelValues("retried")))
}

func TestReconcilerTimesOutCommitStatus(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.permissions = map[string]string{"statuses": "write"} })
	sha := newSHA()
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	e.ageChecks(sha)
	e.reconcile()
	require.Equal(t, 1, e.drain())
	statuses := e.fake.Statuses(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, statuses, 2)
	assert.Equal(t, "error", statuses[1].State)
	assert.Equal(t, timedOutTitle, statuses[1].Description)
}

func TestReconcilerPrunesOldDeliveries(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	old, fresh := uuid.NewString(), uuid.NewString()
	_, err := e.pool.Exec(e.ctx, `INSERT INTO webhook_deliveries (delivery_id, event, received_at)
		VALUES ($1, 'ping', now() - interval '30 days'), ($2, 'ping', now())`, old, fresh)
	require.NoError(t, err)
	e.sweepUntil(func() bool { return e.deliveryRows(old) == 0 })
	assert.Equal(t, 1, e.deliveryRows(fresh))
}

func TestReconcilerRunStopsWithContext(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.app.Reconciler().Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("reconciler did not stop")
	}
}
