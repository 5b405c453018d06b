package githubapp

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/queue"
)

// reconcileBatch bounds the stale check runs handled per sweep.
const reconcileBatch = 100

// Reconciler finds check runs that stayed queued or in progress past the
// deadline, because a webhook or a queue message was lost or publishing
// kept failing. For each it enqueues a completion from the commit's latest
// results when a scanner run finished, else a timed_out completion. Every
// replica may run one; a sweep takes a transaction-level advisory lock, so
// sweeps do not overlap.
type Reconciler struct {
	pool      *pgxpool.Pool
	metrics   *Metrics
	deadline  time.Duration
	interval  time.Duration
	retention time.Duration
	logger    zerolog.Logger
}

// Run sweeps every interval until ctx ends. A failed sweep is logged and
// retried at the next interval.
func (r *Reconciler) Run(ctx context.Context) error {
	r.logger.Info().Dur(logkey.Duration, r.interval).Msg("check reconciler started")
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	for {
		if _, err := r.ReconcileOnce(ctx); err != nil && ctx.Err() == nil {
			r.logger.Error().Err(err).Msg("check reconciliation failed; retrying at the next interval")
		}
		select {
		case <-ctx.Done():
			r.logger.Info().Msg("check reconciler stopped")
			return nil
		case <-ticker.C:
		}
	}
}

// staleCheck is a stale check run and the commit's finished scanner run,
// if there is one.
type staleCheck struct {
	ID           uuid.UUID
	CompletedRun *uuid.UUID
}

// ReconcileOnce runs one sweep and returns how many stale check runs it
// enqueued work for. It also deletes webhook delivery ids older than the
// retention.
func (r *Reconciler) ReconcileOnce(ctx context.Context) (int, error) {
	var count int
	err := database.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('centralcloud:reconcile', 0))`).
			Scan(&locked); err != nil || !locked {
			return err
		}
		stale, err := findStaleChecks(ctx, tx, r.deadline)
		if err != nil {
			return err
		}
		for _, s := range stale {
			if err := r.enqueue(ctx, tx, s); err != nil {
				return err
			}
		}
		count = len(stale)
		return pruneDeliveries(ctx, tx, r.retention)
	})
	if err != nil {
		return 0, fmt.Errorf("reconcile check runs: %w", err)
	}
	return count, nil
}

func findStaleChecks(ctx context.Context, tx pgx.Tx, deadline time.Duration) ([]staleCheck, error) {
	rows, err := tx.Query(ctx, `SELECT c.id,
		  (SELECT s.id FROM scanner_runs s
		    WHERE s.repository_id = c.repository_id AND s.commit_sha = c.head_sha AND s.status = 'completed'
		    ORDER BY s.created_at DESC, s.id DESC LIMIT 1)
		FROM check_runs c
		WHERE c.current AND c.status <> 'completed' AND c.updated_at < now() - $1::interval
		ORDER BY c.updated_at LIMIT $2
		FOR UPDATE OF c SKIP LOCKED`, deadline, reconcileBatch)
	if err != nil {
		return nil, fmt.Errorf("find stale check runs: %w", err)
	}
	defer rows.Close()
	var stale []staleCheck
	for rows.Next() {
		var s staleCheck
		if err := rows.Scan(&s.ID, &s.CompletedRun); err != nil {
			return nil, fmt.Errorf("find stale check runs: %w", err)
		}
		stale = append(stale, s)
	}
	return stale, rows.Err()
}

// enqueue sends the work for one stale check run and restarts its
// deadline, so the next sweep waits for that work.
func (r *Reconciler) enqueue(ctx context.Context, tx pgx.Tx, s staleCheck) error {
	msg := CheckMessage{CheckMessage: queue.CheckMessage{Type: CheckTimedOut}, CheckID: s.ID}
	outcome := "timed_out"
	if s.CompletedRun != nil {
		msg = CheckMessage{CheckMessage: queue.CheckMessage{Type: queue.CheckRunCompleted, ServerRunID: *s.CompletedRun}}
		outcome = "retried"
	}
	if _, err := queue.Send(ctx, tx, queue.Checks, msg); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE check_runs SET updated_at = now() WHERE id = $1`, s.ID); err != nil {
		return fmt.Errorf("restart deadline of check run %s: %w", s.ID, err)
	}
	r.metrics.reconciled.WithLabelValues(outcome).Inc()
	r.logger.Info().Str(logkey.CheckRunID, s.ID.String()).Str(logkey.Result, outcome).Msg("stale check run reconciled")
	return nil
}

// pruneDeliveries deletes delivery ids past the retention, at most 10,000
// per sweep. GitHub redelivers only recent deliveries, so old ids no
// longer guard against anything.
func pruneDeliveries(ctx context.Context, tx pgx.Tx, retention time.Duration) error {
	_, err := tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE id IN (
		SELECT id FROM webhook_deliveries WHERE received_at < now() - $1::interval LIMIT 10000)`, retention)
	if err != nil {
		return fmt.Errorf("prune webhook deliveries: %w", err)
	}
	return nil
}
