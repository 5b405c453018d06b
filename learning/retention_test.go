package learning_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/learning"
	"github.com/centralcloud/centralcloud/store"
)

// The retention tests are not parallel: Go runs them one after another,
// before the parallel tests, because two sweeps at once exclude each other
// through the retention lock.

func oldFindings(n int) []seedFinding {
	findings := make([]seedFinding, n)
	for i := range findings {
		findings[i] = seedFinding{pattern: "go/a", severity: "error", path: "x.go", message: "m"}
	}
	return findings
}

func countOrgRows(t *testing.T, pool *pgxpool.Pool, table string, orgID uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(),
		"SELECT count(*) FROM "+table+" WHERE org_id = $1", orgID).Scan(&n))
	return n
}

func sweepOf(swept []learning.OrgSweep, orgID uuid.UUID) (learning.OrgSweep, bool) {
	for _, s := range swept {
		if s.OrgID == orgID {
			return s, true
		}
	}
	return learning.OrgSweep{}, false
}

func TestRetentionDeletesOldData(t *testing.T) {
	pool := dbtest.Pool(t)
	ctx := context.Background()
	tag := randomHex(4)
	// An org keeping 30 days: one event of 40 days with five findings, and
	// one recent event with two.
	kept := seed(t, pool, seedRun{login: "ret" + tag, repo: "repo", retentionDays: 30,
		age: 40 * 24 * time.Hour, findings: oldFindings(5)})
	addRun(t, pool, &kept, seedRun{login: "ret" + tag, repo: "repo", findings: oldFindings(2)})
	// An org without a retention policy keeps everything.
	untouched := seed(t, pool, seedRun{login: "keep" + tag, repo: "repo", age: 400 * 24 * time.Hour,
		findings: oldFindings(3)})

	r := learning.NewRetention(pool, learning.RetentionOptions{BatchSize: 2, Logger: zerolog.Nop()})
	swept, err := r.Sweep(ctx)
	require.NoError(t, err)

	s, found := sweepOf(swept, kept.orgID)
	require.True(t, found)
	require.Equal(t, 30, s.RetentionDays)
	require.Equal(t, int64(5), s.Findings)
	require.Equal(t, int64(1), s.Events)
	require.WithinDuration(t, time.Now().Add(-30*24*time.Hour), s.Cutoff, time.Minute)
	require.Equal(t, 2, countOrgRows(t, pool, "findings", kept.orgID), "recent findings stay")
	require.Equal(t, 1, countOrgRows(t, pool, "scanner_events", kept.orgID), "the recent event stays")
	_, found = sweepOf(swept, untouched.orgID)
	require.False(t, found)
	require.Equal(t, 3, countOrgRows(t, pool, "findings", untouched.orgID))
	require.Equal(t, 1, countOrgRows(t, pool, "scanner_events", untouched.orgID))

	audit, err := store.ListAudit(ctx, pool, store.AuditFilter{OrgID: &kept.orgID, Action: learning.AuditRetentionDeleted})
	require.NoError(t, err)
	require.Len(t, audit, 1)
	require.Equal(t, float64(5), audit[0].Details["findings_deleted"])
	require.Equal(t, float64(1), audit[0].Details["events_deleted"])
	require.Equal(t, float64(30), audit[0].Details["retention_days"])

	swept, err = r.Sweep(ctx)
	require.NoError(t, err)
	s, _ = sweepOf(swept, kept.orgID)
	require.Equal(t, int64(0), s.Findings+s.Events, "a second sweep finds nothing")
	audit, err = store.ListAudit(ctx, pool, store.AuditFilter{OrgID: &kept.orgID, Action: learning.AuditRetentionDeleted})
	require.NoError(t, err)
	require.Len(t, audit, 1, "a sweep that deletes nothing writes no audit event")
}

func TestRetentionSweepLock(t *testing.T) {
	pool := dbtest.Pool(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	var locked bool
	// The same key as the retention job's lock.
	require.NoError(t, conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", int64(0x63635f726574)).Scan(&locked))
	require.True(t, locked)

	r := learning.NewRetention(pool, learning.RetentionOptions{Logger: zerolog.Nop()})
	_, err = r.Sweep(ctx)
	require.ErrorIs(t, err, learning.ErrSweepInProgress)

	_, err = conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(0x63635f726574))
	require.NoError(t, err)
	_, err = r.Sweep(ctx)
	require.NoError(t, err)
}

func TestRetentionRunSweepsAtStart(t *testing.T) {
	pool := dbtest.Pool(t)
	tag := randomHex(4)
	old := seed(t, pool, seedRun{login: "run" + tag, repo: "repo", retentionDays: 1,
		age: 48 * time.Hour, findings: oldFindings(1)})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		learning.NewRetention(pool, learning.RetentionOptions{Interval: time.Hour, Logger: zerolog.Nop()}).Run(ctx)
		close(done)
	}()
	require.Eventually(t, func() bool {
		return countOrgRows(t, pool, "scanner_events", old.orgID) == 0
	}, 30*time.Second, 20*time.Millisecond)
	cancel()
	<-done
	require.Equal(t, 0, countOrgRows(t, pool, "findings", old.orgID))
}
