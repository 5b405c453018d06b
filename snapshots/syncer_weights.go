package snapshots

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// staleWeightsRequest is the age after which a pending weights sync
// request is presumed lost (its message failed and was archived), so that
// a new change may request another sync.
const staleWeightsRequest = 15 * time.Minute

// RequestSyncIfWeightsChanged compares the weights in the current snapshot
// with the weights the WeightSource returns through db and, when one moved
// by more than WeightChangeThreshold, enqueues a sync through db. Call it
// in the transaction that updates the learning aggregates, so the message
// commits with them. At most one such request is pending at a time. It
// reports whether a sync was enqueued.
func (s *Syncer) RequestSyncIfWeightsChanged(ctx context.Context, db database.DBTX) (bool, error) {
	etag, err := currentETag(ctx, db)
	if errors.Is(err, errNoCurrent) {
		// Nothing is published; the first publication builds with weights.
		return false, nil
	}
	if err != nil {
		return false, err
	}

	patterns, err := s.currentPatterns(ctx, db, etag)
	if err != nil {
		return false, err
	}
	weights, err := s.opts.Weights.Weights(ctx, db)
	if err != nil {
		return false, fmt.Errorf("load pattern weights: %w", err)
	}
	if !weightsChanged(patterns, weights, s.opts.WeightChangeThreshold) {
		return false, nil
	}

	var claimed bool
	err = db.QueryRow(ctx, `
		UPDATE snapshot_current SET weights_sync_requested_at = now()
		WHERE weights_sync_requested_at IS NULL
		   OR weights_sync_requested_at < now() - make_interval(secs => $1)
		RETURNING true`, staleWeightsRequest.Seconds()).Scan(&claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record weights sync request: %w", err)
	}

	if _, err := queue.Send(ctx, db, queue.PatternsSync, SyncMessage{Reason: SyncReasonWeights}); err != nil {
		return false, err
	}
	zerolog.Ctx(ctx).Info().Str(logkey.ETag, etag).Msg("pattern weights changed; snapshot sync requested")
	return true, nil
}

// currentPatterns returns the patterns of the snapshot with etag, decrypted
// once and then kept until the current snapshot changes.
func (s *Syncer) currentPatterns(ctx context.Context, db database.DBTX, etag string) ([]wire.Pattern, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.currentETag == etag {
		return s.currentDoc, nil
	}
	row, err := loadCurrent(ctx, db)
	if err != nil {
		return nil, err
	}
	dk, err := openDataKey(ctx, db, s.keyring, row.dataKeyID)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", row.etag, err)
	}
	plaintext, err := wire.DecryptBody(dk.key, row.etag, row.ciphertext)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", row.etag, err)
	}
	doc, err := wire.ParseDocument(plaintext)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", row.etag, err)
	}
	s.currentETag, s.currentDoc = row.etag, doc.Patterns
	return doc.Patterns, nil
}
