package snapshots

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// DefaultReloadInterval is how often a Cache reloads without a
// notification, as a safety net for a missed NOTIFY.
const DefaultReloadInterval = 5 * time.Minute

// CacheOptions configures a Cache.
type CacheOptions struct {
	// ReloadInterval is the time between reloads without a notification;
	// zero means DefaultReloadInterval.
	ReloadInterval time.Duration
	Metrics        *Metrics
}

// Cache holds the current snapshot in memory. It starts with the empty
// snapshot, so it can serve before the database responds, and Run keeps it
// current. It is safe for concurrent use.
type Cache struct {
	pool    *pgxpool.Pool
	keyring *Keyring
	opts    CacheOptions

	current  atomic.Pointer[Snapshot]
	loaded   atomic.Bool
	reloadMu sync.Mutex
}

// NewCache returns a Cache that loads snapshots through pool and unwraps
// their data keys with keyring.
func NewCache(pool *pgxpool.Pool, keyring *Keyring, opts CacheOptions) *Cache {
	if opts.ReloadInterval <= 0 {
		opts.ReloadInterval = DefaultReloadInterval
	}
	c := &Cache{pool: pool, keyring: keyring, opts: opts}
	c.swap(emptySnapshot)
	return c
}

// Current returns the snapshot being served.
func (c *Cache) Current() *Snapshot {
	return c.current.Load()
}

// ETag returns the bare ETag of the current snapshot.
func (c *Cache) ETag() string {
	return c.current.Load().ETag
}

// Loaded reports whether the cache has read the current snapshot from the
// database at least once, so it serves the snapshot the database marks
// current.
func (c *Cache) Loaded() bool {
	return c.loaded.Load()
}

// Matches reports whether etag, bare or quoted, names the current
// snapshot, and counts the comparison as a runs API ETag check. An empty
// or malformed etag does not match.
func (c *Cache) Matches(etag string) bool {
	bare, err := wire.NormalizeETag(etag)
	hit := err == nil && bare == c.ETag()
	c.opts.Metrics.observeETagCheck("runs", hit)
	return hit
}

func (c *Cache) swap(s *Snapshot) {
	c.current.Store(s)
	created := s.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	c.opts.Metrics.setCurrentCreated(created)
}

// Reload reads the current snapshot from the database and swaps it in when
// its ETag differs from the one held. On error the held snapshot stays.
func (c *Cache) Reload(ctx context.Context) (changed bool, err error) {
	c.reloadMu.Lock()
	defer c.reloadMu.Unlock()
	etag, err := currentETag(ctx, c.pool)
	if errors.Is(err, errNoCurrent) {
		changed = !c.Current().Empty()
		c.swap(emptySnapshot)
		c.loaded.Store(true)
		return changed, nil
	}
	if err != nil {
		return false, err
	}
	if etag == c.ETag() {
		c.loaded.Store(true)
		return false, nil
	}
	s, err := c.load(ctx)
	if err != nil {
		return false, err
	}
	c.swap(s)
	c.loaded.Store(true)
	return true, nil
}

// load reads, unwraps and verifies the current snapshot.
func (c *Cache) load(ctx context.Context) (*Snapshot, error) {
	row, err := loadCurrent(ctx, c.pool)
	if err != nil {
		return nil, err
	}
	dk, err := openDataKey(ctx, c.pool, c.keyring, row.dataKeyID)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", row.etag, err)
	}
	plaintext, err := wire.DecryptBody(dk.key, row.etag, row.ciphertext)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", row.etag, err)
	}
	if wire.ComputeETag(plaintext) != row.etag {
		return nil, fmt.Errorf("snapshot %s: the plaintext digest differs from the stored ETag", row.etag)
	}
	return newSnapshot(row.etag, row.ciphertext, dk.key, row.patternCount, row.plaintextSize, row.createdAt), nil
}
