package githubapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// Check run statuses in the check_runs table: GitHub's, plus pending for a
// row whose run does not exist on GitHub yet.
const (
	checkPending    = "pending"
	checkQueued     = "queued"
	checkInProgress = "in_progress"
	checkCompleted  = "completed"
)

// checkRecord is a row of the check_runs table.
type checkRecord struct {
	ID               uuid.UUID
	OrgID            uuid.UUID
	RepositoryID     uuid.UUID
	HeadSHA          string
	TriggerID        string
	Current          bool
	Mode             string
	Status           string
	Conclusion       *string
	GitHubID         *int64
	ServerRunID      *uuid.UUID
	AnnotationsTotal int
	BatchesSent      int
	Attempts         int
	UpdatedAt        time.Time
}

const checkColumns = `id, org_id, repository_id, head_sha, trigger_id, current, mode, status,
	conclusion, github_check_run_id, server_run_id, annotations_total, annotation_batches_sent,
	attempts, updated_at`

func scanCheck(row pgx.Row) (*checkRecord, error) {
	var c checkRecord
	err := row.Scan(&c.ID, &c.OrgID, &c.RepositoryID, &c.HeadSHA, &c.TriggerID, &c.Current, &c.Mode,
		&c.Status, &c.Conclusion, &c.GitHubID, &c.ServerRunID, &c.AnnotationsTotal, &c.BatchesSent,
		&c.Attempts, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read check run: %w", err)
	}
	return &c, nil
}

// currentCheck returns the commit's current check run, or nil.
func currentCheck(ctx context.Context, db database.DBTX, repositoryID uuid.UUID, headSHA string) (*checkRecord, error) {
	return scanCheck(db.QueryRow(ctx, `SELECT `+checkColumns+` FROM check_runs
		WHERE repository_id = $1 AND head_sha = $2 AND current`, repositoryID, headSHA))
}

// checkByID returns a check run by id, or nil.
func checkByID(ctx context.Context, db database.DBTX, id uuid.UUID) (*checkRecord, error) {
	return scanCheck(db.QueryRow(ctx, `SELECT `+checkColumns+` FROM check_runs WHERE id = $1`, id))
}

// insertCheck creates the check run of a trigger and makes it the
// commit's current one. When the trigger already has a row, it returns
// that row unchanged with created false.
func insertCheck(ctx context.Context, conn txBeginner, t *checkTarget, trigger, mode string) (rec *checkRecord, created bool, err error) {
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		rec, err = scanCheck(tx.QueryRow(ctx, `INSERT INTO check_runs
			(org_id, repository_id, head_sha, trigger_id, mode) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT ON CONSTRAINT check_runs_trigger_key DO NOTHING
			RETURNING `+checkColumns, t.OrgID, t.RepositoryID, t.HeadSHA, trigger, mode))
		if err != nil || rec == nil {
			return err
		}
		created = true
		if _, err := tx.Exec(ctx, `UPDATE check_runs SET current = false, updated_at = now()
			WHERE repository_id = $1 AND head_sha = $2 AND current`, t.RepositoryID, t.HeadSHA); err != nil {
			return fmt.Errorf("retire current check run: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE check_runs SET current = true WHERE id = $1`, rec.ID); err != nil {
			return fmt.Errorf("make check run current: %w", err)
		}
		rec.Current = true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("create check run %s for %s: %w", trigger, t.HeadSHA, err)
	}
	if !created {
		rec, err = scanCheck(conn.QueryRow(ctx, `SELECT `+checkColumns+` FROM check_runs
			WHERE repository_id = $1 AND head_sha = $2 AND trigger_id = $3`, t.RepositoryID, t.HeadSHA, trigger))
	}
	return rec, created, err
}

// txBeginner is a connection that can start a transaction.
type txBeginner interface {
	database.DBTX
	Begin(ctx context.Context) (pgx.Tx, error)
}

// checkUpdate is a change to one check run row; nil fields stay as they are.
type checkUpdate struct {
	Status           *string
	Mode             *string
	Conclusion       *string
	GitHubID         *int64
	ServerRunID      *uuid.UUID
	AnnotationsTotal *int
	BatchesSent      *int
	Attempts         *int
}

// updateCheck applies u to rec in the database and in memory, and clears
// the last error.
func updateCheck(ctx context.Context, db database.DBTX, rec *checkRecord, u checkUpdate) error {
	_, err := db.Exec(ctx, `UPDATE check_runs SET
		status = coalesce($2, status),
		mode = coalesce($3, mode),
		conclusion = coalesce($4, conclusion),
		github_check_run_id = coalesce($5, github_check_run_id),
		server_run_id = coalesce($6, server_run_id),
		annotations_total = coalesce($7, annotations_total),
		annotation_batches_sent = coalesce($8, annotation_batches_sent),
		attempts = coalesce($9, attempts),
		completed_at = CASE WHEN $2 = 'completed' THEN now() ELSE completed_at END,
		last_error = NULL,
		updated_at = now()
		WHERE id = $1`,
		rec.ID, u.Status, u.Mode, u.Conclusion, u.GitHubID, u.ServerRunID, u.AnnotationsTotal, u.BatchesSent, u.Attempts)
	if err != nil {
		return fmt.Errorf("update check run %s: %w", rec.ID, err)
	}
	rec.apply(u)
	return nil
}

func (rec *checkRecord) apply(u checkUpdate) {
	set(&rec.Status, u.Status)
	set(&rec.Mode, u.Mode)
	if u.Conclusion != nil {
		rec.Conclusion = u.Conclusion
	}
	if u.GitHubID != nil {
		rec.GitHubID = u.GitHubID
	}
	if u.ServerRunID != nil {
		rec.ServerRunID = u.ServerRunID
	}
	set(&rec.AnnotationsTotal, u.AnnotationsTotal)
	set(&rec.BatchesSent, u.BatchesSent)
	set(&rec.Attempts, u.Attempts)
}

func set[T any](field *T, value *T) {
	if value != nil {
		*field = *value
	}
}

// recordCheckError stores the last error of a check run. updated_at is
// left alone, so the reconciler still measures how long the run is stale.
func recordCheckError(ctx context.Context, db database.DBTX, rec *checkRecord, cause error) error {
	if _, err := db.Exec(ctx, `UPDATE check_runs SET last_error = $2 WHERE id = $1`,
		rec.ID, cause.Error()); err != nil {
		return fmt.Errorf("record error of check run %s: %w", rec.ID, err)
	}
	return nil
}
