package githubapp

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// The scanner API writes scanner runs, events and findings; these helpers
// insert the same rows directly.

// testFinding is a row for the findings table.
type testFinding struct {
	PatternID  string
	Path       string // empty: no location
	StartLine  int    // 0: none
	EndLine    int    // 0: none
	Severity   string
	Message    string
	Kind       string // default "fail"
	Suppressed bool
}

func newSHA() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// repositoryID returns the stored id of the tenant's repository.
func (e *testEnv) repositoryID() (repoID, orgID uuid.UUID) {
	e.t.Helper()
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT id, org_id FROM repositories WHERE github_repo_id = $1`,
		e.tenant.Repo.ID).Scan(&repoID, &orgID))
	return repoID, orgID
}

// registerRun inserts a registered scanner run for a commit of the
// tenant's repository.
func (e *testEnv) registerRun(sha string) uuid.UUID {
	e.t.Helper()
	repoID, orgID := e.repositoryID()
	var runID uuid.UUID
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `INSERT INTO scanner_runs
		(org_id, repository_id, local_run_id, commit_sha, scanner_name, scanner_version)
		VALUES ($1, $2, $3, $4, 'semgrep-lite', '1.2.3') RETURNING id`,
		orgID, repoID, uuid.NewString(), sha).Scan(&runID))
	return runID
}

// finishRun inserts the run's final event and findings and completes the
// run with conclusion, as the scanner API does. It returns when the final
// event was accepted.
func (e *testEnv) finishRun(runID uuid.UUID, conclusion string, findings []testFinding) time.Time {
	e.t.Helper()
	var orgID, eventID uuid.UUID
	var at time.Time
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT org_id FROM scanner_runs WHERE id = $1`, runID).Scan(&orgID))
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `INSERT INTO scanner_events
		(run_id, org_id, final, results_format, summary, finding_count, metrics_stored, learning_queued)
		VALUES ($1, $2, true, 'native', 'Scanned 42 files.', $3, true, false) RETURNING id, created_at`,
		runID, orgID, len(findings)).Scan(&eventID, &at))
	for i, f := range findings {
		kind := f.Kind
		if kind == "" {
			kind = "fail"
		}
		_, err := e.pool.Exec(e.ctx, `INSERT INTO findings (run_id, event_id, org_id, pattern_id, path,
			start_line, end_line, severity, message, fingerprint, kind, suppressed)
			VALUES ($1, $2, $3, $4, nullif($5, ''), nullif($6, 0), nullif($7, 0), $8, $9, $10, $11, $12)`,
			runID, eventID, orgID, f.PatternID, f.Path, f.StartLine, f.EndLine, f.Severity, f.Message,
			fmt.Sprintf("fp-%d", i), kind, f.Suppressed)
		require.NoError(e.t, err)
	}
	_, err := e.pool.Exec(e.ctx, `UPDATE scanner_runs SET status = 'completed', conclusion = $2,
		completed_at = now() WHERE id = $1`, runID, conclusion)
	require.NoError(e.t, err)
	return at
}

// locatedFindings returns n findings with a location, severities cycling
// through error, warning and note.
func locatedFindings(n int) []testFinding {
	list := make([]testFinding, n)
	for i := range list {
		list[i] = testFinding{
			PatternID: fmt.Sprintf("rule-%d", i%7),
			Path:      fmt.Sprintf("src/file%03d.go", i),
			StartLine: i + 1,
			EndLine:   i + 3,
			Severity:  severities[i%3],
			Message:   fmt.Sprintf("finding %d", i),
		}
	}
	return list
}

// checkRow is our record of a check run, for assertions.
type checkRow struct {
	ID          uuid.UUID
	Trigger     string
	Current     bool
	Mode        string
	Status      string
	Conclusion  *string
	GitHubID    *int64
	ServerRunID *uuid.UUID
	BatchesSent int
	LastError   *string
}

// checkRows returns our check run rows of a commit, oldest first.
func (e *testEnv) checkRows(sha string) []checkRow {
	e.t.Helper()
	rows, err := e.pool.Query(e.ctx, `SELECT c.id, c.trigger_id, c.current, c.mode, c.status, c.conclusion,
		  c.github_check_run_id, c.server_run_id, c.annotation_batches_sent, c.last_error
		FROM check_runs c JOIN repositories r ON r.id = c.repository_id
		WHERE r.github_repo_id = $1 AND c.head_sha = $2 ORDER BY c.id`, e.tenant.Repo.ID, sha)
	require.NoError(e.t, err)
	defer rows.Close()
	var list []checkRow
	for rows.Next() {
		var c checkRow
		require.NoError(e.t, rows.Scan(&c.ID, &c.Trigger, &c.Current, &c.Mode, &c.Status, &c.Conclusion,
			&c.GitHubID, &c.ServerRunID, &c.BatchesSent, &c.LastError))
		list = append(list, c)
	}
	require.NoError(e.t, rows.Err())
	return list
}
