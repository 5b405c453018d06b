// Package learning turns final scanner events into anonymised, per-pattern
// learning aggregates, and deletes old scanner data under each org's
// retention policy.
package learning

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/queue"
)

// Handler consumes the Learning queue.
type Handler struct {
	db queue.TxBeginner
	// afterApply runs inside the transaction of each folded run.
	afterApply func(ctx context.Context, tx pgx.Tx) error
}

// NewHandler returns a Handler that writes through db, normally the pool.
func NewHandler(db queue.TxBeginner) *Handler {
	return &Handler{db: db}
}

// OnAggregatesChanged sets fn to run in the transaction that folds a run
// into the aggregates, for example to queue a snapshot rebuild when the
// learned weights moved. fn runs under a savepoint: its failure is logged
// and undone, and never fails the learning message.
func (h *Handler) OnAggregatesChanged(fn func(ctx context.Context, tx pgx.Tx) error) {
	h.afterApply = fn
}

func (h *Handler) runAfterApply(ctx context.Context, tx pgx.Tx) {
	if h.afterApply == nil {
		return
	}
	err := pgx.BeginFunc(ctx, tx, func(savepoint pgx.Tx) error { return h.afterApply(ctx, savepoint) })
	if err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("aggregate change hook failed; the learning message is still acknowledged")
	}
}

// Register makes r consume the Learning queue with h.
func (h *Handler) Register(r *queue.Runner, opts queue.HandlerOptions) error {
	return r.Handle(queue.Learning, h.Handle, opts)
}

// Handle folds the run of one queue.LearningMessage into the aggregates and
// deletes the message in the same transaction. A run is folded in at most
// once, however often its message is delivered. A body that does not decode
// is a permanent error, so the Runner dead-letters it.
func (h *Handler) Handle(ctx context.Context, msg queue.Message) error {
	var m queue.LearningMessage
	if err := msg.Decode(&m); err != nil {
		return queue.Permanent(err)
	}
	if m.ServerRunID == uuid.Nil || m.EventID == uuid.Nil {
		return queue.Permanent(fmt.Errorf("learning message %d lacks server_run_id or event_id", msg.ID))
	}
	logger := zerolog.Ctx(ctx).With().Str(logkey.ServerRunID, m.ServerRunID.String()).Logger()
	var result Result
	err := pgx.BeginFunc(ctx, h.db, func(tx pgx.Tx) error {
		var err error
		if result, err = Apply(ctx, tx, m); err != nil {
			return err
		}
		if result.Skipped == "" {
			h.runAfterApply(ctx, tx)
		}
		return queue.DeleteTx(ctx, tx, msg)
	})
	if err != nil {
		return fmt.Errorf("fold run %s into learning aggregates: %w", m.ServerRunID, err)
	}
	if result.Skipped != "" {
		logger.Info().Str(logkey.Reason, result.Skipped).Msg("learning message skipped")
		return nil
	}
	logger.Info().Int(logkey.Patterns, result.Rows).Int64(logkey.Findings, result.Findings).
		Int(logkey.Dropped, result.DroppedPatterns).Msg("learning aggregates updated")
	return nil
}
