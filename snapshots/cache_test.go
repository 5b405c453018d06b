package snapshots

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/snapshots/client"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// runCache runs the cache's listener until the test ends.
func runCache(t *testing.T, c *Cache) {
	t.Helper()
	ctx, cancel := context.WithCancel(zerolog.Nop().WithContext(context.Background()))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = c.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	require.Eventually(t, c.Loaded, 5*time.Second, 10*time.Millisecond, "the cache loads at start")
}

func TestEmptySnapshotBeforePublish(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.Equal(t, wire.ComputeETag([]byte(`{"format":1,"patterns":[]}`)), EmptyETag())
	require.Equal(t, EmptyETag(), e.cache.ETag(), "the empty ETag is known before the database answers")
	require.False(t, e.cache.Loaded())

	changed, err := e.cache.Reload(context.Background())
	require.NoError(t, err)
	require.False(t, changed)
	require.True(t, e.cache.Loaded(), "a fresh database is ready")
	require.Equal(t, EmptyETag(), e.cache.ETag())

	srv := mountAt(t, NewHandler(e.cache))
	c := newClient(t, srv.URL, wire.SuiteX25519)
	snap, changed, err := c.Fetch(context.Background())
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, EmptyETag(), snap.ETag)
	require.Empty(t, snap.Document.Patterns)
	_, changed, err = c.Fetch(context.Background())
	require.NoError(t, err)
	require.False(t, changed)
}

func TestEmptySnapshotIsSameOnEveryReplica(t *testing.T) {
	t.Parallel()
	a := NewCache(nil, nil, CacheOptions{})
	b := NewCache(nil, nil, CacheOptions{})
	require.Equal(t, a.Current().Ciphertext, b.Current().Ciphertext, "a strong ETag needs identical bodies")
}

func TestTwoReplicasFollowPublish(t *testing.T) {
	t.Parallel()
	e := setup(t)
	other := NewCache(openPool(t, e.url), e.keyring, CacheOptions{})
	runCache(t, e.cache)
	runCache(t, other)
	srv := mountAt(t, NewHandler(other))
	c := newClient(t, srv.URL, wire.SuiteMLKEM768X25519)
	_, _, err := c.Fetch(context.Background())
	require.NoError(t, err)
	require.Equal(t, EmptyETag(), c.ETag())

	for i := 1; i <= 2; i++ {
		result := e.publishAndSync(t, sampleBundle(i))
		require.Eventually(t, func() bool { return other.ETag() == result.ETag }, time.Second, 5*time.Millisecond,
			"the other replica serves the new ETag within a second")

		snap, changed, err := c.Fetch(context.Background())
		require.NoError(t, err)
		require.True(t, changed)
		require.Equal(t, result.ETag, snap.ETag)
		require.Len(t, snap.Document.Patterns, i)
		require.Eventually(t, func() bool { return e.cache.ETag() == result.ETag }, time.Second, 5*time.Millisecond,
			"the publishing replica follows too")
	}
}

func TestCacheReloadsAfterReconnect(t *testing.T) {
	t.Parallel()
	e := setup(t)
	runCache(t, e.cache)
	ctx := context.Background()

	// Cut the listener's connection, then publish while it reconnects: the
	// notification is lost, and the reload after reconnecting finds it.
	var terminated int
	err := e.pool.QueryRow(ctx, `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&terminated)
	require.NoError(t, err)
	require.Equal(t, 1, terminated)
	result := e.publishAndSync(t, sampleBundle(2))

	require.Eventually(t, func() bool { return e.cache.ETag() == result.ETag }, 10*time.Second, 10*time.Millisecond)
}

func TestCacheReloadsAtInterval(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.cache = NewCache(e.pool, e.keyring, CacheOptions{ReloadInterval: 50 * time.Millisecond})
	runCache(t, e.cache)
	first := e.publishAndSync(t, sampleBundle(1))
	second := e.publishAndSync(t, sampleBundle(2))
	require.Eventually(t, func() bool { return e.cache.ETag() == second.ETag }, 5*time.Second, 10*time.Millisecond)

	// Mark the first snapshot current without NOTIFY, as if the
	// notification were lost: the interval reload picks it up.
	_, err := e.pool.Exec(context.Background(),
		`UPDATE snapshot_current SET snapshot_id = (SELECT id FROM snapshots WHERE etag = $1)`, first.ETag)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return e.cache.ETag() == first.ETag }, 5*time.Second, 10*time.Millisecond)
}

func TestCacheKeepsSnapshotWhenLoadFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	first := e.publishAndSync(t, sampleBundle(1))
	_, err := e.cache.Reload(ctx)
	require.NoError(t, err)
	require.Equal(t, first.ETag, e.cache.ETag())

	second := e.publishAndSync(t, sampleBundle(2))
	_, err = e.pool.Exec(ctx, `
		UPDATE data_key_wraps SET wrapped = set_byte(wrapped, 20, get_byte(wrapped, 20) # 1)
		WHERE data_key_id = (SELECT data_key_id FROM snapshots WHERE etag = $1)`, second.ETag)
	require.NoError(t, err)

	_, err = e.cache.Reload(ctx)
	require.Error(t, err, "a tampered wrapped key is rejected")
	require.Equal(t, first.ETag, e.cache.ETag(), "the held snapshot stays")

	stranger := testKeyring(t, "", mustKey(t))
	fresh := NewCache(e.pool, stranger, CacheOptions{})
	_, err = fresh.Reload(ctx)
	require.ErrorIs(t, err, ErrUnknownKey)
	require.False(t, fresh.Loaded(), "a replica without the key is not ready")
}

func mustKey(t *testing.T) string {
	_, entry := testKey(t)
	return entry
}

func TestCacheMatches(t *testing.T) {
	t.Parallel()
	cache := NewCache(nil, nil, CacheOptions{})
	etag := cache.ETag()
	require.True(t, cache.Matches(etag))
	require.True(t, cache.Matches(`"`+etag+`"`))
	require.False(t, cache.Matches(""))
	require.False(t, cache.Matches("garbage"))
	require.False(t, cache.Matches(wire.ComputeETag([]byte("x"))))
}

// The client reaches the handler through the mux path it expects.
func TestClientPath(t *testing.T) {
	t.Parallel()
	srv := mountAt(t, NewHandler(NewCache(nil, nil, CacheOptions{})))
	resp, err := http.Head(srv.URL + client.SnapshotPath)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
