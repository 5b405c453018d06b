package learning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/store"
)

// Batch deletes by org and age. Both use the (org_id, created_at) indexes.
// Deleting an event also deletes its findings (ON DELETE CASCADE), so
// findings go first to keep each batch small.
const (
	deleteFindingsBatch = `DELETE FROM findings WHERE id IN (
		SELECT id FROM findings WHERE org_id = $1 AND created_at < $2 LIMIT $3)`
	deleteEventsBatch = `DELETE FROM scanner_events WHERE id IN (
		SELECT id FROM scanner_events WHERE org_id = $1 AND created_at < $2 LIMIT $3)`
)

func (r *Retention) sweepOrgs(ctx context.Context) ([]OrgSweep, error) {
	rows, err := r.pool.Query(ctx,
		`SELECT org_id, retention_days, now() - make_interval(days => retention_days)
		   FROM org_policies WHERE retention_days IS NOT NULL ORDER BY org_id`)
	if err != nil {
		return nil, fmt.Errorf("list retention policies: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (OrgSweep, error) {
		var s OrgSweep
		err := row.Scan(&s.OrgID, &s.RetentionDays, &s.Cutoff)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("list retention policies: %w", err)
	}
	for i := range orgs {
		if err := r.sweepOrg(ctx, &orgs[i]); err != nil {
			return orgs[:i+1], err
		}
	}
	return orgs, nil
}

// sweepOrg deletes one org's old findings and events in batches, then
// writes an audit event when it deleted anything, also when it stopped
// halfway on an error or a shutdown. The next sweep deletes the rest.
func (r *Retention) sweepOrg(ctx context.Context, s *OrgSweep) error {
	var deleteErr error
	s.Findings, deleteErr = r.deleteInBatches(ctx, deleteFindingsBatch, s)
	if deleteErr != nil {
		deleteErr = fmt.Errorf("delete old findings of org %s: %w", s.OrgID, deleteErr)
	} else {
		s.Events, deleteErr = r.deleteInBatches(ctx, deleteEventsBatch, s)
		if deleteErr != nil {
			deleteErr = fmt.Errorf("delete old events of org %s: %w", s.OrgID, deleteErr)
		}
	}
	if s.Events+s.Findings == 0 {
		return deleteErr
	}
	// The deletes committed, so their audit event must be written even
	// when ctx was cancelled meanwhile.
	auditCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	auditErr := store.InsertAudit(auditCtx, r.pool, store.AuditEvent{
		OrgID:  &s.OrgID,
		Actor:  auditActor,
		Action: AuditRetentionDeleted,
		Reason: "retention_days policy",
		Details: map[string]any{
			"retention_days":   s.RetentionDays,
			"cutoff":           s.Cutoff,
			"events_deleted":   s.Events,
			"findings_deleted": s.Findings,
		},
	})
	return errors.Join(deleteErr, auditErr)
}

// deleteInBatches runs query until a batch deletes fewer rows than the
// batch size, and returns the total.
func (r *Retention) deleteInBatches(ctx context.Context, query string, s *OrgSweep) (int64, error) {
	var total int64
	for {
		tag, err := r.pool.Exec(ctx, query, s.OrgID, s.Cutoff, r.opts.BatchSize)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < int64(r.opts.BatchSize) {
			return total, nil
		}
	}
}
