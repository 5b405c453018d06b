package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// ErrRunConflict means a run with the same local_run_id exists for another
// commit.
var ErrRunConflict = errors.New("local_run_id is already used for another commit")

// Run is a scanner run.
type Run struct {
	ID             uuid.UUID
	OrgID          uuid.UUID
	RepositoryID   uuid.UUID
	LocalRunID     string
	CommitSHA      string
	Ref            *string
	PullRequest    *int
	ScannerName    *string
	ScannerVersion *string
	Status         string
	Conclusion     *string
	CreatedAt      time.Time
	CompletedAt    *time.Time
}

const runColumns = `id, org_id, repository_id, local_run_id, commit_sha, ref, pull_request,
	scanner_name, scanner_version, status, conclusion, created_at, completed_at`

func scanRun(row pgx.Row) (Run, error) {
	var r Run
	err := row.Scan(r.targets()...)
	return r, err
}

// targets returns scan targets for runColumns.
func (r *Run) targets() []any {
	return []any{&r.ID, &r.OrgID, &r.RepositoryID, &r.LocalRunID, &r.CommitSHA, &r.Ref, &r.PullRequest,
		&r.ScannerName, &r.ScannerVersion, &r.Status, &r.Conclusion, &r.CreatedAt, &r.CompletedAt}
}

// Registration is the outcome of RegisterRun.
type Registration struct {
	Run Run
	// Created is true when this call inserted the run.
	Created bool
	// Policy is the org's effective policy, read in the same statement.
	Policy Policy
}

// RegisterRun inserts run unless (repository, local_run_id) exists, and
// returns the stored run, whether this call created it and the org's
// policy on top of defaults. Concurrent identical calls create one run:
// the losers wait for the winner's insert and then read its row. The same
// local_run_id with another commit is ErrRunConflict, returned with the
// stored run.
//
// When onCreate is not nil, a created run also sends onCreate to queueName,
// with the run's id set as its server_run_id, in the same statement as the
// insert, so the run and its message commit together. A new run and a
// replay of a committed one cost one round trip each.
func RegisterRun(ctx context.Context, db database.DBTX, run Run, defaults Policy, queueName string, onCreate json.RawMessage) (Registration, error) {
	reg, err := scanRegistration(db.QueryRow(ctx,
		`WITH inserted AS (
		   INSERT INTO scanner_runs (org_id, repository_id, local_run_id, commit_sha, ref, pull_request,
		                             scanner_name, scanner_version)
		   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		   ON CONFLICT ON CONSTRAINT scanner_runs_local_key DO NOTHING
		   RETURNING `+runColumns+`
		 ), queued AS (
		   SELECT pgmq.send($9, $10::jsonb || jsonb_build_object('server_run_id', inserted.id)) AS msg_id
		     FROM inserted WHERE $10::jsonb IS NOT NULL
		 ), found AS (
		   SELECT true AS created, `+runColumns+` FROM inserted
		   UNION ALL
		   SELECT false, `+runColumns+` FROM scanner_runs WHERE repository_id = $2 AND local_run_id = $3
		 )
		 SELECT found.*, `+policyColumns+`
		   FROM found LEFT JOIN org_policies p ON p.org_id = $1
		  WHERE (SELECT count(*) FROM queued) >= 0
		  ORDER BY found.created DESC LIMIT 1`,
		run.OrgID, run.RepositoryID, run.LocalRunID, run.CommitSHA, run.Ref, run.PullRequest,
		run.ScannerName, run.ScannerVersion, queueName, nullJSON(onCreate)), defaults)
	if errors.Is(err, pgx.ErrNoRows) {
		// The statement's snapshot predates a concurrent insert of the
		// same run, which the INSERT waited for, so read it again.
		reg, err = scanRegistration(db.QueryRow(ctx,
			`SELECT false, r.*, `+policyColumns+`
			   FROM (SELECT `+runColumns+` FROM scanner_runs WHERE repository_id = $1 AND local_run_id = $2) r
			   LEFT JOIN org_policies p ON p.org_id = $3`,
			run.RepositoryID, run.LocalRunID, run.OrgID), defaults)
	}
	if err != nil {
		return Registration{}, fmt.Errorf("register run %q: %w", run.LocalRunID, err)
	}
	if !reg.Created && reg.Run.CommitSHA != run.CommitSHA {
		return reg, ErrRunConflict
	}
	return reg, nil
}

// policyColumns are the org_policies columns, aliased p, in the order that
// policyOverrides.targets expects.
const policyColumns = `p.telemetry_enabled, p.learning_enabled, p.fail_on, p.retention_days`

// scanRegistration scans created, the run's columns and policyColumns.
func scanRegistration(row pgx.Row, defaults Policy) (Registration, error) {
	var reg Registration
	var o policyOverrides
	dest := append(append([]any{&reg.Created}, reg.Run.targets()...), o.targets()...)
	if err := row.Scan(dest...); err != nil {
		return Registration{}, err
	}
	reg.Policy = o.apply(defaults)
	return reg, nil
}

// RunForOrg returns the run with id when it belongs to orgID, else
// ErrNotFound, so another tenant's run looks absent.
func RunForOrg(ctx context.Context, db database.DBTX, id, orgID uuid.UUID) (Run, error) {
	r, err := scanRun(db.QueryRow(ctx,
		`SELECT `+runColumns+` FROM scanner_runs WHERE id = $1 AND org_id = $2`, id, orgID))
	if err != nil {
		return Run{}, fmt.Errorf("run %s: %w", id, notFound(err))
	}
	return r, nil
}

// LockRunForOrg is RunForOrg that also locks the run's row until the
// transaction ends, so events for one run are applied one at a time.
func LockRunForOrg(ctx context.Context, tx pgx.Tx, id, orgID uuid.UUID) (Run, error) {
	r, err := scanRun(tx.QueryRow(ctx,
		`SELECT `+runColumns+` FROM scanner_runs WHERE id = $1 AND org_id = $2 FOR UPDATE`, id, orgID))
	if err != nil {
		return Run{}, fmt.Errorf("run %s: %w", id, notFound(err))
	}
	return r, nil
}

// CompleteRun marks a run completed with its conclusion.
func CompleteRun(ctx context.Context, db database.DBTX, id uuid.UUID, conclusion string) error {
	_, err := db.Exec(ctx,
		`UPDATE scanner_runs SET status = 'completed', conclusion = $2, completed_at = now() WHERE id = $1`,
		id, conclusion)
	if err != nil {
		return fmt.Errorf("complete run %s: %w", id, err)
	}
	return nil
}

// RepositoryOfRun returns the repository of a run.
func RepositoryOfRun(ctx context.Context, db database.DBTX, runID uuid.UUID) (Repository, error) {
	var r Repository
	err := db.QueryRow(ctx,
		`SELECT r.id, r.org_id, r.owner, r.name, r.github_repo_id
		   FROM repositories r JOIN scanner_runs s ON s.repository_id = r.id WHERE s.id = $1`, runID).
		Scan(&r.ID, &r.OrgID, &r.Owner, &r.Name, &r.GitHubRepoID)
	if err != nil {
		return Repository{}, fmt.Errorf("repository of run %s: %w", runID, notFound(err))
	}
	return r, nil
}
