package snapshots

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// publishLockID is the transaction-level advisory lock that serialises
// publications, so versions are assigned without gaps or races.
const publishLockID = 0x63635f7075626c // "cc_publ"

// ErrNoPatternSet reports that no pattern set has been published yet.
var ErrNoPatternSet = errors.New("no pattern set published")

// PatternSet describes one published version of the pattern set.
type PatternSet struct {
	ID           string
	Version      int
	PatternCount int
	// ContentSHA256 is the hex SHA-256 of the canonical pattern list.
	ContentSHA256 string
	PublishedBy   string
	Note          string
	PublishedAt   time.Time
}

// PublishOptions describes who publishes and why; both end up in the list
// of versions.
type PublishOptions struct {
	PublishedBy string
	Note        string
}

// PublishResult reports a publication.
type PublishResult struct {
	Set PatternSet
	// Created is false when the bundle equals the newest version, which is
	// then returned and no new version or sync is made.
	Created bool
}

// SyncMessage is the body of a message on the patterns_sync queue. The
// handler always builds from the newest state, so the fields only explain
// why the sync was requested.
type SyncMessage struct {
	// Reason is "published" or "weights".
	Reason            string `json:"reason"`
	PatternSetVersion int    `json:"pattern_set_version,omitempty"`
}

// Reasons for a sync request.
const (
	SyncReasonPublished = "published"
	SyncReasonWeights   = "weights"
)

// Publish stores bundle, encrypted under a fresh data key, as the next
// version of the pattern set and enqueues a snapshot sync in the same
// transaction. A bundle equal to the newest version is not stored again.
func Publish(ctx context.Context, pool *pgxpool.Pool, keyring *Keyring, bundle Bundle,
	opts PublishOptions) (PublishResult, error) {
	if err := bundle.Validate(); err != nil {
		return PublishResult{}, err
	}
	plaintext, err := wire.Canonical(wire.Document{Format: wire.FormatVersion, Patterns: bundle.wirePatterns()})
	if err != nil {
		return PublishResult{}, err
	}
	digest := wire.ComputeETag(plaintext)
	var result PublishResult
	err = database.InTx(ctx, pool, func(tx pgx.Tx) error {
		result, err = publishTx(ctx, tx, keyring, plaintext, digest, len(bundle.Patterns), opts)
		return err
	})
	if err != nil {
		return PublishResult{}, fmt.Errorf("publish pattern set: %w", err)
	}
	return result, nil
}

func publishTx(ctx context.Context, tx pgx.Tx, keyring *Keyring, plaintext []byte, digest string,
	count int, opts PublishOptions) (PublishResult, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, publishLockID); err != nil {
		return PublishResult{}, fmt.Errorf("lock pattern sets: %w", err)
	}
	latest, err := latestPatternSet(ctx, tx)
	if err != nil && !errors.Is(err, ErrNoPatternSet) {
		return PublishResult{}, err
	}
	if err == nil && latest.ContentSHA256 == digest {
		return PublishResult{Set: latest}, nil
	}
	dk, err := createDataKey(ctx, tx, keyring)
	if err != nil {
		return PublishResult{}, err
	}
	ciphertext, err := sealGCM(dk.key, patternSetAAD(digest), plaintext)
	if err != nil {
		return PublishResult{}, fmt.Errorf("encrypt pattern set: %w", err)
	}
	set := PatternSet{Version: latest.Version + 1, PatternCount: count, ContentSHA256: digest,
		PublishedBy: opts.PublishedBy, Note: opts.Note}
	err = tx.QueryRow(ctx, `
		INSERT INTO pattern_sets (version, pattern_count, content_sha256, data_key_id, ciphertext, published_by, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id::text, published_at`,
		set.Version, count, digest, dk.id, ciphertext, opts.PublishedBy, opts.Note,
	).Scan(&set.ID, &set.PublishedAt)
	if err != nil {
		return PublishResult{}, fmt.Errorf("insert pattern set version %d: %w", set.Version, err)
	}
	msg := SyncMessage{Reason: SyncReasonPublished, PatternSetVersion: set.Version}
	if _, err := queue.Send(ctx, tx, queue.PatternsSync, msg); err != nil {
		return PublishResult{}, err
	}
	return PublishResult{Set: set, Created: true}, nil
}

func patternSetAAD(digest string) []byte {
	return []byte("centralcloud/pattern-set/v1:" + digest)
}

const patternSetColumns = `id::text, version, pattern_count, content_sha256, published_by, note, published_at`

func scanPatternSet(row pgx.Row, extra ...any) (PatternSet, error) {
	var s PatternSet
	dest := append([]any{&s.ID, &s.Version, &s.PatternCount, &s.ContentSHA256, &s.PublishedBy, &s.Note,
		&s.PublishedAt}, extra...)
	return s, row.Scan(dest...)
}

// latestPatternSet returns the newest version, or ErrNoPatternSet.
func latestPatternSet(ctx context.Context, db database.DBTX) (PatternSet, error) {
	row := db.QueryRow(ctx, `SELECT `+patternSetColumns+` FROM pattern_sets ORDER BY version DESC LIMIT 1`)
	set, err := scanPatternSet(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return PatternSet{}, ErrNoPatternSet
	}
	if err != nil {
		return PatternSet{}, fmt.Errorf("load newest pattern set: %w", err)
	}
	return set, nil
}

// ListPatternSets returns every published version, newest first.
func ListPatternSets(ctx context.Context, db database.DBTX) ([]PatternSet, error) {
	rows, err := db.Query(ctx, `SELECT `+patternSetColumns+` FROM pattern_sets ORDER BY version DESC`)
	if err != nil {
		return nil, fmt.Errorf("list pattern sets: %w", err)
	}
	defer rows.Close()
	var sets []PatternSet
	for rows.Next() {
		set, err := scanPatternSet(rows)
		if err != nil {
			return nil, fmt.Errorf("list pattern sets: %w", err)
		}
		sets = append(sets, set)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pattern sets: %w", err)
	}
	return sets, nil
}

// loadLatestPatterns decrypts the newest pattern set and checks its digest.
func loadLatestPatterns(ctx context.Context, db database.DBTX, keyring *Keyring) (PatternSet, []wire.Pattern, error) {
	var dataKeyID string
	var ciphertext []byte
	row := db.QueryRow(ctx, `SELECT `+patternSetColumns+`, data_key_id::text, ciphertext
		FROM pattern_sets ORDER BY version DESC LIMIT 1`)
	set, err := scanPatternSet(row, &dataKeyID, &ciphertext)
	if errors.Is(err, pgx.ErrNoRows) {
		return PatternSet{}, nil, ErrNoPatternSet
	}
	if err != nil {
		return PatternSet{}, nil, fmt.Errorf("load newest pattern set: %w", err)
	}
	dk, err := openDataKey(ctx, db, keyring, dataKeyID)
	if err != nil {
		return PatternSet{}, nil, fmt.Errorf("pattern set version %d: %w", set.Version, err)
	}
	plaintext, err := openGCM(dk.key, patternSetAAD(set.ContentSHA256), ciphertext)
	if err != nil {
		return PatternSet{}, nil, fmt.Errorf("decrypt pattern set version %d: %w", set.Version, err)
	}
	if wire.ComputeETag(plaintext) != set.ContentSHA256 {
		return PatternSet{}, nil, fmt.Errorf("pattern set version %d does not match its stored digest", set.Version)
	}
	doc, err := wire.ParseDocument(plaintext)
	if err != nil {
		return PatternSet{}, nil, fmt.Errorf("pattern set version %d: %w", set.Version, err)
	}
	return set, doc.Patterns, nil
}
