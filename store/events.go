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

// ErrFinalEventExists means the run already has its final event.
var ErrFinalEventExists = errors.New("the run already has a final event")

// Event is a stored scanner event.
type Event struct {
	ID             uuid.UUID
	RunID          uuid.UUID
	OrgID          uuid.UUID
	ClientEventID  *string
	Final          bool
	ResultsFormat  string
	Summary        string
	FindingCount   int
	MetricsStored  bool
	LearningQueued bool
	CreatedAt      time.Time
}

// FindingRow is a finding as stored.
type FindingRow struct {
	PatternID   string
	Path        *string
	StartLine   *int
	EndLine     *int
	Severity    string
	Message     string
	Fingerprint string
	Kind        string
	Suppressed  bool
	Language    *string
}

const eventColumns = `id, run_id, org_id, event_id, final, results_format, summary,
	finding_count, metrics_stored, learning_queued, created_at`

func scanEvent(row pgx.Row) (Event, error) {
	var e Event
	err := row.Scan(&e.ID, &e.RunID, &e.OrgID, &e.ClientEventID, &e.Final, &e.ResultsFormat, &e.Summary,
		&e.FindingCount, &e.MetricsStored, &e.LearningQueued, &e.CreatedAt)
	return e, err
}

// EventByClientID returns the run's event that a client sent with eventID.
func EventByClientID(ctx context.Context, db database.DBTX, runID uuid.UUID, eventID string) (Event, error) {
	e, err := scanEvent(db.QueryRow(ctx,
		`SELECT `+eventColumns+` FROM scanner_events WHERE run_id = $1 AND event_id = $2`, runID, eventID))
	if err != nil {
		return Event{}, fmt.Errorf("event %q: %w", eventID, notFound(err))
	}
	return e, nil
}

// InsertEvent stores an event and its findings. metrics is stored only when
// non-nil. A second final event for the run is ErrFinalEventExists.
func InsertEvent(ctx context.Context, tx pgx.Tx, e Event, metrics json.RawMessage, findings []FindingRow) (Event, error) {
	stored, err := scanEvent(tx.QueryRow(ctx,
		`INSERT INTO scanner_events (run_id, org_id, event_id, final, results_format, summary, metrics,
		                             finding_count, metrics_stored, learning_queued)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		 RETURNING `+eventColumns,
		e.RunID, e.OrgID, e.ClientEventID, e.Final, e.ResultsFormat, e.Summary, nullJSON(metrics),
		len(findings), e.MetricsStored, e.LearningQueued))
	if err != nil {
		if isUniqueViolation(err, "scanner_events_one_final") {
			return Event{}, ErrFinalEventExists
		}
		return Event{}, fmt.Errorf("insert event: %w", err)
	}
	if len(findings) == 0 {
		return stored, nil
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"findings"},
		[]string{"run_id", "event_id", "org_id", "pattern_id", "path", "start_line", "end_line",
			"severity", "message", "fingerprint", "kind", "suppressed", "language"},
		pgx.CopyFromSlice(len(findings), func(i int) ([]any, error) {
			f := findings[i]
			return []any{stored.RunID, stored.ID, stored.OrgID, f.PatternID, f.Path, f.StartLine, f.EndLine,
				f.Severity, f.Message, f.Fingerprint, f.Kind, f.Suppressed, f.Language}, nil
		}))
	if err != nil {
		return Event{}, fmt.Errorf("insert findings: %w", err)
	}
	return stored, nil
}

func nullJSON(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	return []byte(raw)
}

// severityRankSQL ranks a finding's severity for the fail_on threshold.
const severityRankSQL = `CASE severity WHEN 'error' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END`

// BlockingFindings returns the ids of up to limit findings of the run that
// fail a check at threshold failOn, and how many there are in all. Findings
// whose kind is not fail, and suppressed ones, never block.
func BlockingFindings(ctx context.Context, db database.DBTX, runID uuid.UUID, failOn string, limit int) ([]uuid.UUID, int, error) {
	rows, err := db.Query(ctx,
		`SELECT id, count(*) OVER () FROM findings
		  WHERE run_id = $1 AND kind = 'fail' AND NOT suppressed
		    AND `+severityRankSQL+` >= CASE $2 WHEN 'error' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END
		  ORDER BY id LIMIT $3`, runID, failOn, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("blocking findings of run %s: %w", runID, err)
	}
	defer rows.Close()
	ids := []uuid.UUID{}
	total := 0
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id, &total); err != nil {
			return nil, 0, fmt.Errorf("blocking findings of run %s: %w", runID, err)
		}
		ids = append(ids, id)
	}
	return ids, total, rows.Err()
}
