package snapshots

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// syncLockID is the transaction-level advisory lock that serialises
// snapshot builds, so a slow build never marks older content current after
// a newer build.
const syncLockID = 0x63635f73796e63 // "cc_sync"

// SyncerOptions configures a Syncer.
type SyncerOptions struct {
	// Weights provides learned weights; nil means NoWeights.
	Weights WeightSource
	// WeightChangeThreshold is the change in one pattern's weight, from 0
	// to 1, beyond which RequestSyncIfWeightsChanged requests a rebuild.
	WeightChangeThreshold float64
	Metrics               *Metrics
}

// Syncer builds snapshots: it handles the patterns_sync queue.
type Syncer struct {
	pool    *pgxpool.Pool
	keyring *Keyring
	opts    SyncerOptions

	// current caches the decrypted document of the current snapshot by
	// ETag for RequestSyncIfWeightsChanged.
	mu          sync.Mutex
	currentETag string
	currentDoc  []wire.Pattern
}

// NewSyncer returns a Syncer that stores snapshots through pool and wraps
// their data keys with keyring's active key.
func NewSyncer(pool *pgxpool.Pool, keyring *Keyring, opts SyncerOptions) *Syncer {
	if opts.Weights == nil {
		opts.Weights = NoWeights{}
	}
	return &Syncer{pool: pool, keyring: keyring, opts: opts}
}

// SyncResult describes a build.
type SyncResult struct {
	ETag              string
	PatternSetVersion int // 0 when no pattern set is published
	// Created is true when a new snapshot row was stored.
	Created bool
	// Changed is true when the current snapshot changed.
	Changed       bool
	PlaintextSize int
}

// HandleMessage handles one patterns_sync message. The body only explains
// the request, so an undecodable body is logged and the sync runs anyway.
func (s *Syncer) HandleMessage(ctx context.Context, body []byte) error {
	log := zerolog.Ctx(ctx)
	var msg SyncMessage
	if err := json.Unmarshal(body, &msg); err != nil {
		log.Warn().Err(err).Msg("undecodable patterns sync message")
	}
	result, err := s.Sync(ctx)
	if err != nil {
		return err
	}
	log.Info().Str(logkey.Reason, msg.Reason).Str(logkey.ETag, result.ETag).
		Int(logkey.PatternSetVersion, result.PatternSetVersion).Bool(logkey.Changed, result.Changed).
		Bool(logkey.Created, result.Created).Msg("patterns synced")
	return nil
}

// Sync builds the snapshot of the newest pattern set with the current
// weights and makes it current. Building equal content again changes
// nothing: the ETag is the same and no row is added.
func (s *Syncer) Sync(ctx context.Context) (SyncResult, error) {
	started := time.Now()
	var result SyncResult
	err := database.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		result, err = s.syncTx(ctx, tx)
		return err
	})
	if err != nil {
		s.opts.Metrics.observeBuild("failed", started)
		return SyncResult{}, fmt.Errorf("build pattern snapshot: %w", err)
	}
	s.opts.Metrics.observeBuild(buildOutcome(result), started)
	return result, nil
}

func buildOutcome(r SyncResult) string {
	switch {
	case r.PatternSetVersion == 0:
		return "empty"
	case r.Created:
		return "created"
	case r.Changed:
		return "reused"
	}
	return "unchanged"
}

// syncTx builds and stores the snapshot inside tx, under the build lock.
func (s *Syncer) syncTx(ctx context.Context, tx pgx.Tx) (SyncResult, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, syncLockID); err != nil {
		return SyncResult{}, fmt.Errorf("lock snapshot builds: %w", err)
	}
	set, patterns, err := loadLatestPatterns(ctx, tx, s.keyring)
	if errors.Is(err, ErrNoPatternSet) {
		return SyncResult{ETag: EmptyETag()}, nil
	}
	if err != nil {
		return SyncResult{}, err
	}
	plaintext, err := s.document(ctx, tx, patterns)
	if err != nil {
		return SyncResult{}, err
	}
	result := SyncResult{ETag: wire.ComputeETag(plaintext), PatternSetVersion: set.Version,
		PlaintextSize: len(plaintext)}

	current, err := currentETag(ctx, tx)
	if err != nil && !errors.Is(err, errNoCurrent) {
		return SyncResult{}, err
	}
	if current == result.ETag {
		return result, clearWeightsRequest(ctx, tx)
	}

	id, found, err := findSnapshot(ctx, tx, result.ETag)
	if err != nil {
		return SyncResult{}, err
	}
	if !found {
		if id, err = s.storeSnapshot(ctx, tx, set, len(patterns), plaintext, result.ETag); err != nil {
			return SyncResult{}, err
		}
		result.Created = true
	}
	result.Changed = true
	return result, markCurrent(ctx, tx, id, result.ETag)
}

// document returns the canonical plaintext of patterns with the current
// weights.
func (s *Syncer) document(ctx context.Context, tx pgx.Tx, patterns []wire.Pattern) ([]byte, error) {
	weights, err := s.opts.Weights.Weights(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("load pattern weights: %w", err)
	}
	doc := wire.Document{Format: wire.FormatVersion, Patterns: applyWeights(patterns, weights)}
	return wire.Canonical(doc)
}

// storeSnapshot encrypts the plaintext under a fresh data key and stores it.
func (s *Syncer) storeSnapshot(ctx context.Context, tx pgx.Tx, set PatternSet, count int,
	plaintext []byte, etag string) (string, error) {
	dk, err := createDataKey(ctx, tx, s.keyring)
	if err != nil {
		return "", err
	}
	body, err := wire.EncryptBody(dk.key, etag, plaintext, nil)
	if err != nil {
		return "", fmt.Errorf("encrypt snapshot: %w", err)
	}
	s.opts.Metrics.setBuildSize(len(plaintext), len(body))
	return insertSnapshot(ctx, tx, storedSnapshot{etag: etag, patternSetID: set.ID, patternCount: count,
		plaintextSize: len(plaintext), dataKeyID: dk.id, ciphertext: body})
}
