package snapshots

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// NotifyChannel is the Postgres channel on which a new current snapshot is
// announced; the payload is its bare ETag.
const NotifyChannel = "centralcloud_snapshots"

// errNoCurrent reports that no snapshot has been marked current yet, so
// the empty snapshot is current.
var errNoCurrent = errors.New("no current snapshot")

// storedSnapshot is a row of the snapshots table.
type storedSnapshot struct {
	id            string
	etag          string
	patternSetID  string
	patternCount  int
	plaintextSize int
	dataKeyID     string
	ciphertext    []byte
	createdAt     time.Time
}

// currentETag returns the ETag of the current snapshot, or errNoCurrent.
func currentETag(ctx context.Context, db database.DBTX) (string, error) {
	var etag string
	err := db.QueryRow(ctx, `
		SELECT s.etag FROM snapshot_current c JOIN snapshots s ON s.id = c.snapshot_id`).Scan(&etag)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errNoCurrent
	}
	if err != nil {
		return "", fmt.Errorf("load current snapshot ETag: %w", err)
	}
	return etag, nil
}

// loadCurrent returns the current snapshot row, or errNoCurrent.
func loadCurrent(ctx context.Context, db database.DBTX) (storedSnapshot, error) {
	var s storedSnapshot
	err := db.QueryRow(ctx, `
		SELECT s.id::text, s.etag, s.pattern_set_id::text, s.pattern_count, s.plaintext_size,
		       s.data_key_id::text, s.ciphertext, s.created_at
		FROM snapshot_current c JOIN snapshots s ON s.id = c.snapshot_id`,
	).Scan(&s.id, &s.etag, &s.patternSetID, &s.patternCount, &s.plaintextSize, &s.dataKeyID,
		&s.ciphertext, &s.createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return storedSnapshot{}, errNoCurrent
	}
	if err != nil {
		return storedSnapshot{}, fmt.Errorf("load current snapshot: %w", err)
	}
	return s, nil
}

// findSnapshot returns the id of the snapshot with the ETag, if stored.
func findSnapshot(ctx context.Context, db database.DBTX, etag string) (string, bool, error) {
	var id string
	err := db.QueryRow(ctx, `SELECT id::text FROM snapshots WHERE etag = $1`, etag).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up snapshot %s: %w", etag, err)
	}
	return id, true, nil
}

// insertSnapshot stores a new snapshot row and returns its id.
func insertSnapshot(ctx context.Context, db database.DBTX, s storedSnapshot) (string, error) {
	var id string
	err := db.QueryRow(ctx, `
		INSERT INTO snapshots (etag, pattern_set_id, pattern_count, plaintext_size, data_key_id, ciphertext)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id::text`,
		s.etag, s.patternSetID, s.patternCount, s.plaintextSize, s.dataKeyID, s.ciphertext,
	).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert snapshot %s: %w", s.etag, err)
	}
	return id, nil
}

// markCurrent makes the snapshot current, clears a pending weights request
// and sends NOTIFY, which Postgres delivers when the transaction commits.
func markCurrent(ctx context.Context, db database.DBTX, id, etag string) error {
	_, err := db.Exec(ctx, `
		INSERT INTO snapshot_current (singleton, snapshot_id, marked_at, weights_sync_requested_at)
		VALUES (true, $1, now(), NULL)
		ON CONFLICT (singleton) DO UPDATE
		SET snapshot_id = excluded.snapshot_id, marked_at = excluded.marked_at,
		    weights_sync_requested_at = NULL`, id)
	if err != nil {
		return fmt.Errorf("mark snapshot %s current: %w", etag, err)
	}
	if _, err := db.Exec(ctx, `SELECT pg_notify($1, $2)`, NotifyChannel, etag); err != nil {
		return fmt.Errorf("notify snapshot %s: %w", etag, err)
	}
	return nil
}

// clearWeightsRequest marks a pending weights sync request as served.
func clearWeightsRequest(ctx context.Context, db database.DBTX) error {
	_, err := db.Exec(ctx, `
		UPDATE snapshot_current SET weights_sync_requested_at = NULL
		WHERE weights_sync_requested_at IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("clear weights sync request: %w", err)
	}
	return nil
}

// SnapshotInfo describes the current snapshot without its contents.
type SnapshotInfo struct {
	ETag string
	// Empty is true before any snapshot is built; the other fields are
	// then zero.
	Empty             bool
	PatternSetVersion int
	PatternCount      int
	PlaintextSize     int
	CreatedAt         time.Time
	MarkedAt          time.Time
}

// CurrentSnapshot describes the current snapshot, which is the empty one
// before any build.
func CurrentSnapshot(ctx context.Context, db database.DBTX) (SnapshotInfo, error) {
	info := SnapshotInfo{}
	err := db.QueryRow(ctx, `
		SELECT s.etag, p.version, s.pattern_count, s.plaintext_size, s.created_at, c.marked_at
		FROM snapshot_current c
		JOIN snapshots s ON s.id = c.snapshot_id
		JOIN pattern_sets p ON p.id = s.pattern_set_id`,
	).Scan(&info.ETag, &info.PatternSetVersion, &info.PatternCount, &info.PlaintextSize, &info.CreatedAt,
		&info.MarkedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return SnapshotInfo{ETag: EmptyETag(), Empty: true}, nil
	}
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("load current snapshot: %w", err)
	}
	return info, nil
}
