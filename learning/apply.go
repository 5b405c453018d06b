package learning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/queue"
)

// Reasons for which Apply folds nothing in, reported in Result.Skipped.
const (
	SkipEventNotFound  = "event not found"
	SkipNotFinal       = "event is not final"
	SkipLearningOff    = "learning was off for the org when the event arrived"
	SkipAlreadyApplied = "run already folded in"
)

// Result reports what Apply did.
type Result struct {
	// Skipped is the reason nothing was folded in, or "" when the run was.
	Skipped string
	// Rows counts the aggregate rows inserted or updated.
	Rows int
	// Findings counts the findings folded in.
	Findings int64
	// DroppedPatterns counts the distinct pattern ids left out because
	// they could carry a path or a name.
	DroppedPatterns int
}

// event is what Apply reads about the final event and its run.
type event struct {
	final          bool
	learningQueued bool
	day            time.Time
	scanner        scannerInfo
	names          []string
}

// Apply folds the findings of the message's run into the learning
// aggregates, at most once per run. Call it inside a transaction together
// with the message's acknowledgement. It folds nothing when the event is
// gone (deleted by retention, say), is not final, or arrived while the
// org's learning policy was off: the scanner API records that decision in
// scanner_events.learning_queued.
func Apply(ctx context.Context, tx database.DBTX, m queue.LearningMessage) (Result, error) {
	ev, err := loadEvent(ctx, tx, m)
	if errors.Is(err, pgx.ErrNoRows) {
		return Result{Skipped: SkipEventNotFound}, nil
	}
	if err != nil {
		return Result{}, err
	}
	switch {
	case !ev.final:
		return Result{Skipped: SkipNotFinal}, nil
	case !ev.learningQueued:
		return Result{Skipped: SkipLearningOff}, nil
	}
	tag, err := tx.Exec(ctx,
		"INSERT INTO learning_applied_runs (run_id) VALUES ($1) ON CONFLICT DO NOTHING", m.ServerRunID)
	if err != nil {
		return Result{}, fmt.Errorf("record learning run %s: %w", m.ServerRunID, err)
	}
	if tag.RowsAffected() == 0 {
		return Result{Skipped: SkipAlreadyApplied}, nil
	}
	groups, err := loadGroups(ctx, tx, m)
	if err != nil {
		return Result{}, err
	}
	paths, err := loadPaths(ctx, tx, m)
	if err != nil {
		return Result{}, err
	}
	insights, dropped := anonymise(groups, ev.scanner, newIdentifiers(paths, ev.names))
	if err := upsert(ctx, tx, insights, ev.day); err != nil {
		return Result{}, err
	}
	res := Result{Rows: len(insights), DroppedPatterns: dropped}
	for _, in := range insights {
		res.Findings += in.findings
	}
	return res, nil
}

func loadEvent(ctx context.Context, tx database.DBTX, m queue.LearningMessage) (event, error) {
	var ev event
	var owner, repo, login string
	err := tx.QueryRow(ctx,
		`SELECT e.final, e.learning_queued, date_trunc('day', e.created_at, 'UTC'),
		        coalesce(r.scanner_name, ''), coalesce(r.scanner_version, ''),
		        repo.owner, repo.name, o.login
		   FROM scanner_events e
		   JOIN scanner_runs r ON r.id = e.run_id
		   JOIN repositories repo ON repo.id = r.repository_id
		   JOIN orgs o ON o.id = r.org_id
		  WHERE e.id = $1 AND e.run_id = $2`,
		m.EventID, m.ServerRunID).
		Scan(&ev.final, &ev.learningQueued, &ev.day, &ev.scanner.name, &ev.scanner.version, &owner, &repo, &login)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return event{}, fmt.Errorf("read event %s of run %s: %w", m.EventID, m.ServerRunID, err)
	}
	ev.names = []string{owner, repo, login}
	return ev, err
}

// loadGroups counts the run's failing findings by pattern, severity and
// language. Findings of other kinds (pass, review and so on) say nothing
// about a pattern firing, so they are left out.
func loadGroups(ctx context.Context, tx database.DBTX, m queue.LearningMessage) ([]findingGroup, error) {
	rows, err := tx.Query(ctx,
		`SELECT pattern_id, severity, coalesce(language, ''), count(*), count(*) FILTER (WHERE suppressed)
		   FROM findings
		  WHERE run_id = $1 AND kind = 'fail'
		  GROUP BY 1, 2, 3`, m.ServerRunID)
	if err != nil {
		return nil, fmt.Errorf("count findings of run %s: %w", m.ServerRunID, err)
	}
	groups, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (findingGroup, error) {
		var g findingGroup
		err := row.Scan(&g.patternID, &g.severity, &g.language, &g.findings, &g.suppressed)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("count findings of run %s: %w", m.ServerRunID, err)
	}
	return groups, nil
}

// loadPaths returns the run's distinct finding paths. They are only
// compared against pattern ids, never stored.
func loadPaths(ctx context.Context, tx database.DBTX, m queue.LearningMessage) ([]string, error) {
	rows, err := tx.Query(ctx,
		"SELECT DISTINCT path FROM findings WHERE run_id = $1 AND path IS NOT NULL", m.ServerRunID)
	if err != nil {
		return nil, fmt.Errorf("read paths of run %s: %w", m.ServerRunID, err)
	}
	paths, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read paths of run %s: %w", m.ServerRunID, err)
	}
	return paths, nil
}
