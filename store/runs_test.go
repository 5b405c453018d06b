package store_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

const testQueue = "store_test_runs"

var defaults = store.Policy{TelemetryEnabled: true, LearningEnabled: true, FailOn: "error"}

// newRun returns a run of a new org and repository, whose policies set
// fail_on to warning and retention_days to 30.
func newRun(t *testing.T, localRunID string) store.Run {
	t.Helper()
	pool, ctx := dbtest.Pool(t), context.Background()
	_, err := pool.Exec(ctx, `SELECT pgmq.create($1)`, testQueue)
	require.NoError(t, err)
	org, _, err := store.CreateOrg(ctx, pool, "store-"+uuid.NewString()[:8])
	require.NoError(t, err)
	require.NoError(t, store.SetPolicies(ctx, pool, org.ID, "test", map[string]string{"fail_on": "warning", "retention_days": "30"}))
	repo, err := store.EnsureRepository(ctx, pool, org.ID, org.Login, "widgets", nil)
	require.NoError(t, err)
	return store.Run{OrgID: org.ID, RepositoryID: repo.ID, LocalRunID: localRunID,
		CommitSHA: "0123456789abcdef0123456789abcdef01234567"}
}

// queued counts the messages of testQueue for run id.
func queued(t *testing.T, id uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, dbtest.Pool(t).QueryRow(context.Background(),
		`SELECT count(*) FROM pgmq.q_`+testQueue+` WHERE message->>'server_run_id' = $1`, id.String()).Scan(&n))
	return n
}

func requireOrgPolicy(t *testing.T, p store.Policy) {
	t.Helper()
	require.Equal(t, "warning", p.FailOn)
	require.NotNil(t, p.RetentionDays)
	require.Equal(t, 30, *p.RetentionDays)
	require.True(t, p.TelemetryEnabled, "an unset key keeps the default")
}

func TestRegisterRunCreatesReplaysConflicts(t *testing.T) {
	t.Parallel()
	pool, ctx := dbtest.Pool(t), context.Background()
	run := newRun(t, "ci-1")
	message := json.RawMessage(`{"type":"run_registered"}`)

	first, err := store.RegisterRun(ctx, pool, run, defaults, testQueue, message)
	require.NoError(t, err)
	require.True(t, first.Created)
	require.Equal(t, run.LocalRunID, first.Run.LocalRunID)
	require.Equal(t, "registered", first.Run.Status)
	requireOrgPolicy(t, first.Policy)
	require.Equal(t, 1, queued(t, first.Run.ID))

	replay, err := store.RegisterRun(ctx, pool, run, defaults, testQueue, message)
	require.NoError(t, err)
	require.False(t, replay.Created)
	require.Equal(t, first.Run.ID, replay.Run.ID)
	requireOrgPolicy(t, replay.Policy)
	require.Equal(t, 1, queued(t, first.Run.ID), "a replay queues nothing")

	other := run
	other.CommitSHA = "fedcba9876543210fedcba9876543210fedcba98"
	conflict, err := store.RegisterRun(ctx, pool, other, defaults, testQueue, message)
	require.ErrorIs(t, err, store.ErrRunConflict)
	require.Equal(t, run.CommitSHA, conflict.Run.CommitSHA)
}

func TestRegisterRunWithoutPoliciesUsesDefaults(t *testing.T) {
	t.Parallel()
	pool, ctx := dbtest.Pool(t), context.Background()
	run := newRun(t, "ci-defaults")
	_, err := pool.Exec(ctx, `DELETE FROM org_policies WHERE org_id = $1`, run.OrgID)
	require.NoError(t, err)

	reg, err := store.RegisterRun(ctx, pool, run, defaults, testQueue, nil)
	require.NoError(t, err)
	require.True(t, reg.Created)
	require.Equal(t, defaults, reg.Policy)
	require.Equal(t, 0, queued(t, reg.Run.ID), "a nil message queues nothing")
}

// A registration that waits for a concurrent insert of the same run finds
// no row in its own snapshot, so RegisterRun reads the row again.
func TestRegisterRunAfterConcurrentInsert(t *testing.T) {
	t.Parallel()
	pool, ctx := dbtest.Pool(t), context.Background()
	run := newRun(t, "ci-concurrent")
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	var winner uuid.UUID
	require.NoError(t, tx.QueryRow(ctx,
		`INSERT INTO scanner_runs (org_id, repository_id, local_run_id, commit_sha) VALUES ($1, $2, $3, $4) RETURNING id`,
		run.OrgID, run.RepositoryID, run.LocalRunID, run.CommitSHA).Scan(&winner))

	type outcome struct {
		reg store.Registration
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		reg, err := store.RegisterRun(ctx, pool, run, defaults, testQueue, json.RawMessage(`{"type":"run_registered"}`))
		done <- outcome{reg, err}
	}()
	require.Eventually(t, func() bool {
		var waiting int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'WITH inserted AS%' AND query LIKE '%'||$1||'%'`,
			"scanner_runs_local_key").Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, 5*time.Millisecond, "RegisterRun never waited for the open insert")
	require.NoError(t, tx.Commit(ctx))

	got := <-done
	require.NoError(t, got.err)
	require.False(t, got.reg.Created)
	require.Equal(t, winner, got.reg.Run.ID)
	requireOrgPolicy(t, got.reg.Policy)
	require.Equal(t, 0, queued(t, winner))
}
