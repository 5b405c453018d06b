package learning_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// seedFinding is one finding of a seeded run.
type seedFinding struct {
	pattern    string
	severity   string
	path       string
	message    string
	language   string
	kind       string
	suppressed bool
}

// seedRun describes an org, repository, run and final event to create.
type seedRun struct {
	login          string
	repo           string
	scanner        string
	version        string
	notFinal       bool
	learningOff    bool
	age            time.Duration
	retentionDays  int
	findings       []seedFinding
	fingerprintTag string
}

// seeded holds the ids of what seed created.
type seeded struct {
	orgID   uuid.UUID
	runID   uuid.UUID
	eventID uuid.UUID
}

// seed creates the org (unless orgID is set), a repository, a run, one
// event and its findings, all created s.age ago.
func seed(t *testing.T, pool *pgxpool.Pool, s seedRun) seeded {
	t.Helper()
	ctx := context.Background()
	var out seeded
	require.NoError(t, pool.QueryRow(ctx, "INSERT INTO orgs (login) VALUES ($1) RETURNING id", s.login).Scan(&out.orgID))
	if s.retentionDays > 0 {
		_, err := pool.Exec(ctx, "INSERT INTO org_policies (org_id, retention_days) VALUES ($1, $2)",
			out.orgID, s.retentionDays)
		require.NoError(t, err)
	}
	addRun(t, pool, &out, s)
	return out
}

// addRun adds a repository, run, event and findings to the org in out.
func addRun(t *testing.T, pool *pgxpool.Pool, out *seeded, s seedRun) {
	t.Helper()
	ctx := context.Background()
	createdAt := time.Now().Add(-s.age)
	var repoID uuid.UUID
	require.NoError(t, pool.QueryRow(ctx,
		"INSERT INTO repositories (org_id, owner, name) VALUES ($1, $2, $3) RETURNING id",
		out.orgID, s.login, s.repo+"-"+randomHex(3)).Scan(&repoID))
	require.NoError(t, pool.QueryRow(ctx,
		`INSERT INTO scanner_runs (org_id, repository_id, local_run_id, commit_sha, scanner_name, scanner_version, created_at)
		 VALUES ($1, $2, $3, $4, nullif($5, ''), nullif($6, ''), $7) RETURNING id`,
		out.orgID, repoID, "local-"+randomHex(4), randomHex(20), s.scanner, s.version, createdAt).Scan(&out.runID))
	require.NoError(t, pool.QueryRow(ctx,
		`INSERT INTO scanner_events (run_id, org_id, final, results_format, finding_count, metrics_stored,
		                             learning_queued, created_at)
		 VALUES ($1, $2, $3, 'native', $4, false, $5, $6) RETURNING id`,
		out.runID, out.orgID, !s.notFinal, len(s.findings), !s.learningOff, createdAt).Scan(&out.eventID))
	for i, f := range s.findings {
		kind := f.kind
		if kind == "" {
			kind = "fail"
		}
		_, err := pool.Exec(ctx,
			`INSERT INTO findings (run_id, event_id, org_id, pattern_id, path, start_line, severity, message,
			                       fingerprint, kind, suppressed, language, created_at)
			 VALUES ($1, $2, $3, $4, nullif($5, ''), 1, $6, $7, $8, $9, $10, nullif($11, ''), $12)`,
			out.runID, out.eventID, out.orgID, f.pattern, f.path, f.severity, f.message,
			s.fingerprintTag+"-"+string(rune('a'+i)), kind, f.suppressed, f.language, createdAt)
		require.NoError(t, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
