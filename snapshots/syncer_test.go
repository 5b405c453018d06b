package snapshots

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/queue"
)

// queuedSyncs reads the sync messages waiting on the queue.
func queuedSyncs(t *testing.T, db database.DBTX) []SyncMessage {
	t.Helper()
	rows, err := db.Query(context.Background(),
		`SELECT message FROM pgmq.read($1, 0, 100)`, queue.PatternsSync)
	require.NoError(t, err)
	defer rows.Close()
	var msgs []SyncMessage
	for rows.Next() {
		var body []byte
		require.NoError(t, rows.Scan(&body))
		var msg SyncMessage
		require.NoError(t, json.Unmarshal(body, &msg))
		msgs = append(msgs, msg)
	}
	require.NoError(t, rows.Err())
	return msgs
}

func countRows(t *testing.T, db database.DBTX, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n))
	return n
}

func TestPublishStoresVersionAndEnqueuesSync(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()

	first, err := Publish(ctx, e.pool, e.keyring, sampleBundle(2), PublishOptions{PublishedBy: "alice", Note: "initial"})
	require.NoError(t, err)
	require.True(t, first.Created)
	require.Equal(t, 1, first.Set.Version)
	require.Equal(t, 2, first.Set.PatternCount)

	again, err := Publish(ctx, e.pool, e.keyring, sampleBundle(2), PublishOptions{PublishedBy: "bob"})
	require.NoError(t, err)
	require.False(t, again.Created, "an identical bundle is not a new version")
	require.Equal(t, first.Set.ID, again.Set.ID)

	second, err := Publish(ctx, e.pool, e.keyring, sampleBundle(3), PublishOptions{PublishedBy: "bob"})
	require.NoError(t, err)
	require.Equal(t, 2, second.Set.Version)

	sets, err := ListPatternSets(ctx, e.pool)
	require.NoError(t, err)
	require.Len(t, sets, 2)
	require.Equal(t, 2, sets[0].Version, "newest first")
	require.Equal(t, "alice", sets[1].PublishedBy)
	require.Equal(t, "initial", sets[1].Note)

	msgs := queuedSyncs(t, e.pool)
	require.Equal(t, []SyncMessage{
		{Reason: SyncReasonPublished, PatternSetVersion: 1},
		{Reason: SyncReasonPublished, PatternSetVersion: 2},
	}, msgs)
}

func TestPublishStoresPatternsEncrypted(t *testing.T) {
	t.Parallel()
	e := setup(t)
	bundle := sampleBundle(1)
	bundle.Patterns[0].Rule = "secret-rule-body-xyz"
	_, err := Publish(context.Background(), e.pool, e.keyring, bundle, PublishOptions{})
	require.NoError(t, err)
	var found bool
	err = e.pool.QueryRow(context.Background(),
		`SELECT position('secret-rule-body-xyz'::bytea IN ciphertext) > 0 FROM pattern_sets`).Scan(&found)
	require.NoError(t, err)
	require.False(t, found, "rule bodies must not be stored in the clear")
}

func TestPublishWithoutKeyFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	empty, err := LoadKeyring(KeyringOptions{})
	require.NoError(t, err)
	_, err = Publish(context.Background(), e.pool, empty, sampleBundle(1), PublishOptions{})
	require.ErrorIs(t, err, ErrNoActiveKey)
	require.Zero(t, countRows(t, e.pool, "pattern_sets"))
}

func TestSyncIsIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()

	before, err := e.syncer.Sync(ctx)
	require.NoError(t, err)
	require.Equal(t, EmptyETag(), before.ETag, "nothing published: the empty snapshot")
	require.False(t, before.Changed)

	_, err = Publish(ctx, e.pool, e.keyring, sampleBundle(3), PublishOptions{})
	require.NoError(t, err)
	msgs := queuedSyncs(t, e.pool)
	require.Len(t, msgs, 1)
	body, err := json.Marshal(msgs[0])
	require.NoError(t, err)

	require.NoError(t, e.syncer.HandleMessage(ctx, body))
	first := countRows(t, e.pool, "snapshots")
	require.Equal(t, 1, first)
	etag, err := currentETag(ctx, e.pool)
	require.NoError(t, err)

	again, err := e.syncer.Sync(ctx)
	require.NoError(t, err)
	require.Equal(t, etag, again.ETag, "the same content gives the same ETag")
	require.False(t, again.Created)
	require.False(t, again.Changed)
	require.Equal(t, 1, countRows(t, e.pool, "snapshots"), "no new snapshot row")

	require.NoError(t, e.syncer.HandleMessage(ctx, []byte("not json")), "the body only explains the request")
	require.Equal(t, 1, countRows(t, e.pool, "snapshots"))
}

func TestSyncReusesEarlierSnapshot(t *testing.T) {
	t.Parallel()
	e := setup(t)
	first := e.publishAndSync(t, sampleBundle(2))
	second := e.publishAndSync(t, sampleBundle(3))
	require.NotEqual(t, first.ETag, second.ETag)

	back := e.publishAndSync(t, sampleBundle(2))
	require.Equal(t, first.ETag, back.ETag, "content equal to an older version has its ETag")
	require.True(t, back.Changed)
	require.False(t, back.Created)
	require.Equal(t, 2, countRows(t, e.pool, "snapshots"))
	require.Equal(t, 3, countRows(t, e.pool, "pattern_sets"))
}

func TestSyncDoesNotDependOnInputOrder(t *testing.T) {
	t.Parallel()
	e := setup(t)
	bundle := sampleBundle(4)
	first := e.publishAndSync(t, bundle)

	reversed := Bundle{}
	for i := len(bundle.Patterns) - 1; i >= 0; i-- {
		p := bundle.Patterns[i]
		p.Tags = []string{p.Tags[1], p.Tags[0]}
		reversed.Patterns = append(reversed.Patterns, p)
	}
	result, err := Publish(context.Background(), e.pool, e.keyring, reversed, PublishOptions{})
	require.NoError(t, err)
	require.False(t, result.Created, "reordered patterns and tags are the same content")
	again, err := e.syncer.Sync(context.Background())
	require.NoError(t, err)
	require.Equal(t, first.ETag, again.ETag)
}
