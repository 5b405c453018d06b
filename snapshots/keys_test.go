package snapshots

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// storedSnapshotBody returns the stored ciphertext of the snapshot.
func storedSnapshotBody(t *testing.T, e *env, etag string) []byte {
	t.Helper()
	var body []byte
	require.NoError(t, e.pool.QueryRow(context.Background(),
		`SELECT ciphertext FROM snapshots WHERE etag = $1`, etag).Scan(&body))
	return body
}

// loadWith loads the current snapshot with a keyring of the given entries.
func loadWith(t *testing.T, e *env, entries ...string) (*Cache, error) {
	t.Helper()
	cache := NewCache(e.pool, testKeyring(t, "", entries...), CacheOptions{})
	_, err := cache.Reload(context.Background())
	return cache, err
}

func TestRotationKeepsETagAndBody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	oldID, oldKey := testKey(t)
	newID, newKey := testKey(t)
	e.keyring = testKeyring(t, oldID, oldKey)
	e.syncer = NewSyncer(e.pool, e.keyring, SyncerOptions{})
	older := e.publishAndSync(t, sampleBundle(1))
	current := e.publishAndSync(t, sampleBundle(2))
	olderBody := storedSnapshotBody(t, e, older.ETag)
	currentBody := storedSnapshotBody(t, e, current.ETag)

	rotated := testKeyring(t, newID, oldKey, newKey)
	n, err := Rotate(ctx, e.pool, rotated)
	require.NoError(t, err)
	require.Equal(t, 4, n, "two pattern sets and two snapshots are re-wrapped")
	again, err := Rotate(ctx, e.pool, rotated)
	require.NoError(t, err)
	require.Zero(t, again, "a second rotation has nothing to do")

	require.Equal(t, olderBody, storedSnapshotBody(t, e, older.ETag), "bodies are never re-encrypted")
	require.Equal(t, currentBody, storedSnapshotBody(t, e, current.ETag))

	withNew, err := loadWith(t, e, newKey)
	require.NoError(t, err, "the new key opens every snapshot")
	require.Equal(t, current.ETag, withNew.ETag())
	require.Equal(t, currentBody, withNew.Current().Ciphertext)
	withOld, err := loadWith(t, e, oldKey)
	require.NoError(t, err, "the old key still opens snapshots until it is retired")
	require.Equal(t, current.ETag, withOld.ETag())

	// The older snapshot opens with the old key too: make it current.
	_, err = e.pool.Exec(ctx,
		`UPDATE snapshot_current SET snapshot_id = (SELECT id FROM snapshots WHERE etag = $1)`, older.ETag)
	require.NoError(t, err)
	_, err = withOld.Reload(ctx)
	require.NoError(t, err)
	require.Equal(t, older.ETag, withOld.ETag())

	removed, err := Retire(ctx, e.pool, rotated, oldID)
	require.NoError(t, err)
	require.Equal(t, 4, removed)
	_, err = loadWith(t, e, oldKey)
	require.ErrorIs(t, err, ErrUnknownKey, "a retired key opens nothing")
	_, err = loadWith(t, e, newKey)
	require.NoError(t, err)

	// A replica still configured with the retired key cannot use it.
	_, err = Publish(ctx, e.pool, e.keyring, sampleBundle(5), PublishOptions{})
	require.ErrorIs(t, err, ErrRetiredKey)

	usage, err := ListKeyUsage(ctx, e.pool)
	require.NoError(t, err)
	require.Len(t, usage, 2)
	byID := map[string]KeyUsage{usage[0].KeyID: usage[0], usage[1].KeyID: usage[1]}
	require.Equal(t, 4, byID[newID].Wraps)
	require.Equal(t, 4, byID[newID].SoleWraps)
	require.Zero(t, byID[oldID].Wraps)
	require.False(t, byID[oldID].RetiredAt.IsZero())
}

func TestRetireRefusesKeyStillNeeded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	oldID := e.keyring.ActiveID()
	e.publishAndSync(t, sampleBundle(1))

	_, err := Retire(ctx, e.pool, e.keyring, oldID)
	require.ErrorContains(t, err, "is the active key")

	newID, newKey := testKey(t)
	withNew, err := LoadKeyring(KeyringOptions{Keys: append(keyEntries(t, e.keyring), newKey), ActiveKeyID: newID})
	require.NoError(t, err)
	_, err = Retire(ctx, e.pool, withNew, oldID)
	require.ErrorContains(t, err, "run `centralcloud keys rotate` first")
	require.Equal(t, 2, countRows(t, e.pool, "data_key_wraps"), "nothing is deleted")

	_, err = Rotate(ctx, e.pool, withNew)
	require.NoError(t, err)
	removed, err := Retire(ctx, e.pool, withNew, oldID)
	require.NoError(t, err)
	require.Equal(t, 2, removed)
}

// keyEntries returns a keyring's keys in inline form.
func keyEntries(t *testing.T, k *Keyring) []string {
	t.Helper()
	var entries []string
	for _, id := range k.IDs() {
		secret, ok := k.secret(id)
		require.True(t, ok)
		entries = append(entries, id+":"+encodeSecret(secret))
	}
	return entries
}

func TestRotateWithoutActiveKeyFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	empty, err := LoadKeyring(KeyringOptions{})
	require.NoError(t, err)
	_, err = Rotate(context.Background(), e.pool, empty)
	require.ErrorIs(t, err, ErrNoActiveKey)
}
