package snapshots

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/centralcloud/centralcloud/database"
)

// keyLockID is the advisory lock on key-encryption key state: Rotate and
// Retire take it exclusively, data key creation in shared mode.
const keyLockID = 0x63635f6b657973 // "cc_keys"

// rotateBatch is the number of data keys re-wrapped per transaction.
const rotateBatch = 100

// ErrRetiredKey reports a retired key used as the active key.
var ErrRetiredKey = errors.New("key-encryption key is retired")

// KeyUsage reports how a key-encryption key is used in the database.
type KeyUsage struct {
	KeyID string
	// Wraps counts the data keys wrapped under the key.
	Wraps int
	// SoleWraps counts the data keys wrapped under no other key.
	SoleWraps int
	// RetiredAt is when the key was retired, or zero.
	RetiredAt time.Time
}

// ListKeyUsage returns the usage of every key id that wraps a data key or
// was retired, sorted by id.
func ListKeyUsage(ctx context.Context, db database.DBTX) ([]KeyUsage, error) {
	rows, err := db.Query(ctx, `
		WITH ids AS (SELECT key_id FROM data_key_wraps UNION SELECT key_id FROM retired_keys)
		SELECT ids.key_id,
		       (SELECT count(*) FROM data_key_wraps w WHERE w.key_id = ids.key_id),
		       (SELECT count(*) FROM data_key_wraps w WHERE w.key_id = ids.key_id AND NOT EXISTS (
		          SELECT 1 FROM data_key_wraps o WHERE o.data_key_id = w.data_key_id AND o.key_id <> w.key_id)),
		       r.retired_at
		FROM ids LEFT JOIN retired_keys r ON r.key_id = ids.key_id
		ORDER BY ids.key_id`)
	if err != nil {
		return nil, fmt.Errorf("list key usage: %w", err)
	}
	usages, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (KeyUsage, error) {
		var u KeyUsage
		var retired *time.Time
		err := row.Scan(&u.KeyID, &u.Wraps, &u.SoleWraps, &retired)
		if retired != nil {
			u.RetiredAt = *retired
		}
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list key usage: %w", err)
	}
	return usages, nil
}

// Rotate wraps every data key that lacks a wrap under the keyring's active
// key with that key. Bodies are never re-encrypted, so ETags and
// ciphertexts stay the same, and the older wraps stay until Retire. It
// returns the number of data keys re-wrapped.
func Rotate(ctx context.Context, pool *pgxpool.Pool, keyring *Keyring) (int, error) {
	active := keyring.ActiveID()
	if active == "" {
		return 0, fmt.Errorf("%w: add a key and make it active before rotating", ErrNoActiveKey)
	}
	total := 0
	for {
		n, err := rotateBatchTx(ctx, pool, keyring, active)
		total += n
		if err != nil {
			return total, fmt.Errorf("rotate to key %q: %w", active, err)
		}
		if n < rotateBatch {
			return total, nil
		}
	}
}

func rotateBatchTx(ctx context.Context, pool *pgxpool.Pool, keyring *Keyring, active string) (int, error) {
	n := 0
	err := database.InTx(ctx, pool, func(tx pgx.Tx) error {
		n = 0
		if err := lockKeys(ctx, tx); err != nil {
			return err
		}
		if err := checkNotRetired(ctx, tx, active); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT id::text FROM data_keys d
			WHERE NOT EXISTS (SELECT 1 FROM data_key_wraps w WHERE w.data_key_id = d.id AND w.key_id = $1)
			ORDER BY id LIMIT $2`, active, rotateBatch)
		if err != nil {
			return fmt.Errorf("find data keys to re-wrap: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("find data keys to re-wrap: %w", err)
		}
		for _, id := range ids {
			dk, err := openDataKey(ctx, tx, keyring, id)
			if err != nil {
				return err
			}
			if err := storeWrap(ctx, tx, keyring, active, dk); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Retire deletes every wrap under keyID and records the key as retired, so
// nothing in the database needs it any more and no replica wraps new data
// keys with it. It fails for the active key and while some data key has
// no wrap under another key of this keyring; run Rotate first. It returns
// the number of wraps deleted.
func Retire(ctx context.Context, pool *pgxpool.Pool, keyring *Keyring, keyID string) (int, error) {
	if keyID == keyring.ActiveID() {
		return 0, fmt.Errorf("key %q is the active key; make another key active and rotate before retiring it", keyID)
	}
	var deleted int
	err := database.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := lockKeys(ctx, tx); err != nil {
			return err
		}
		if err := checkOtherWraps(ctx, tx, keyring, keyID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM data_key_wraps WHERE key_id = $1`, keyID)
		if err != nil {
			return fmt.Errorf("delete wraps under key %q: %w", keyID, err)
		}
		deleted = int(tag.RowsAffected())
		_, err = tx.Exec(ctx, `INSERT INTO retired_keys (key_id) VALUES ($1) ON CONFLICT DO NOTHING`, keyID)
		if err != nil {
			return fmt.Errorf("record key %q as retired: %w", keyID, err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("retire key %q: %w", keyID, err)
	}
	return deleted, nil
}

// checkOtherWraps fails when a data key wrapped under keyID has no wrap
// under another key that this keyring contains.
func checkOtherWraps(ctx context.Context, tx pgx.Tx, keyring *Keyring, keyID string) error {
	var others []string
	for _, id := range keyring.IDs() {
		if id != keyID {
			others = append(others, id)
		}
	}
	var stranded int
	err := tx.QueryRow(ctx, `
		SELECT count(*) FROM data_key_wraps w
		WHERE w.key_id = $1 AND NOT EXISTS (
		  SELECT 1 FROM data_key_wraps o WHERE o.data_key_id = w.data_key_id AND o.key_id = ANY($2))`,
		keyID, others).Scan(&stranded)
	if err != nil {
		return fmt.Errorf("count data keys that need key %q: %w", keyID, err)
	}
	if stranded > 0 {
		return fmt.Errorf("%d data keys are wrapped under key %q and under no other key in this keyring %v; "+
			"run `centralcloud keys rotate` first", stranded, keyID, others)
	}
	return nil
}

func lockKeys(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, keyLockID); err != nil {
		return fmt.Errorf("lock key-encryption keys: %w", err)
	}
	return nil
}
