package snapshots

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// dataKey is a data key in the clear, with the id of its row.
type dataKey struct {
	id  string
	key []byte
}

// wrap is one stored wrapping of a data key.
type wrap struct {
	keyID   string
	wrapped []byte
}

// createDataKey draws a data key, stores its row and its wrap under the
// keyring's active key, and returns it.
func createDataKey(ctx context.Context, db database.DBTX, keyring *Keyring) (dataKey, error) {
	active := keyring.ActiveID()
	if active == "" {
		return dataKey{}, fmt.Errorf("%w: the keyring is empty; create a key with `centralcloud keys generate` "+
			"and add it to snapshots.keys or snapshots.keyring_file", ErrNoActiveKey)
	}
	if err := checkNotRetired(ctx, db, active); err != nil {
		return dataKey{}, err
	}
	key := make([]byte, wire.DataKeySize)
	if _, err := rand.Read(key); err != nil {
		return dataKey{}, fmt.Errorf("draw data key: %w", err)
	}
	var id string
	if err := db.QueryRow(ctx, `INSERT INTO data_keys DEFAULT VALUES RETURNING id::text`).Scan(&id); err != nil {
		return dataKey{}, fmt.Errorf("insert data key: %w", err)
	}
	if err := storeWrap(ctx, db, keyring, active, dataKey{id: id, key: key}); err != nil {
		return dataKey{}, err
	}
	return dataKey{id: id, key: key}, nil
}

// checkNotRetired takes the key lock in shared mode, so Retire cannot run
// between this check and the commit, and rejects a retired active key.
func checkNotRetired(ctx context.Context, db database.DBTX, keyID string) error {
	if _, err := db.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, keyLockID); err != nil {
		return fmt.Errorf("lock key-encryption keys: %w", err)
	}
	var retired bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM retired_keys WHERE key_id = $1)`, keyID).Scan(&retired)
	if err != nil {
		return fmt.Errorf("check key %q: %w", keyID, err)
	}
	if retired {
		return fmt.Errorf("%w: the active key %q was retired; make a newer key active on this replica",
			ErrRetiredKey, keyID)
	}
	return nil
}

// storeWrap wraps the data key under keyID and stores the wrap.
func storeWrap(ctx context.Context, db database.DBTX, keyring *Keyring, keyID string, dk dataKey) error {
	wrapped, err := keyring.wrap(keyID, dk.id, dk.key)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx,
		`INSERT INTO data_key_wraps (data_key_id, key_id, wrapped) VALUES ($1, $2, $3)`,
		dk.id, keyID, wrapped)
	if err != nil {
		return fmt.Errorf("store wrap of data key %s under key %q: %w", dk.id, keyID, err)
	}
	return nil
}

// loadWraps returns the stored wraps of a data key.
func loadWraps(ctx context.Context, db database.DBTX, dataKeyID string) ([]wrap, error) {
	rows, err := db.Query(ctx,
		`SELECT key_id, wrapped FROM data_key_wraps WHERE data_key_id = $1 ORDER BY key_id`, dataKeyID)
	if err != nil {
		return nil, fmt.Errorf("load wraps of data key %s: %w", dataKeyID, err)
	}
	defer rows.Close()
	var wraps []wrap
	for rows.Next() {
		var w wrap
		if err := rows.Scan(&w.keyID, &w.wrapped); err != nil {
			return nil, fmt.Errorf("load wraps of data key %s: %w", dataKeyID, err)
		}
		wraps = append(wraps, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load wraps of data key %s: %w", dataKeyID, err)
	}
	return wraps, nil
}

// openDataKey loads the wraps of a data key and unwraps one with a key of
// the keyring, trying the active key first.
func openDataKey(ctx context.Context, db database.DBTX, keyring *Keyring, dataKeyID string) (dataKey, error) {
	wraps, err := loadWraps(ctx, db, dataKeyID)
	if err != nil {
		return dataKey{}, err
	}
	key, err := unwrapAny(keyring, dataKeyID, wraps)
	if err != nil {
		return dataKey{}, err
	}
	return dataKey{id: dataKeyID, key: key}, nil
}

func unwrapAny(keyring *Keyring, dataKeyID string, wraps []wrap) ([]byte, error) {
	active := keyring.ActiveID()
	slices.SortStableFunc(wraps, func(a, b wrap) int {
		return boolRank(a.keyID == active) - boolRank(b.keyID == active)
	})
	var errs []error
	ids := make([]string, 0, len(wraps))
	for _, w := range wraps {
		ids = append(ids, w.keyID)
		known, err := keyring.lookup(w.keyID)
		if err != nil {
			errs = append(errs, err)
		}
		if !known {
			continue
		}
		key, err := keyring.unwrap(w.keyID, dataKeyID, w.wrapped)
		if err == nil {
			return key, nil
		}
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return nil, fmt.Errorf("%w: data key %s is wrapped only by keys %v, none of which is in this keyring %v; "+
		"add one of them to snapshots.keys or snapshots.keyring_file", ErrUnknownKey, dataKeyID, ids, keyring.IDs())
}

// boolRank orders true before false.
func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}
