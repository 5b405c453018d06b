package snapshots

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// tableWeights reads weights from a table that the test fills, standing in
// for the learning aggregates.
type tableWeights struct{}

func (tableWeights) Weights(ctx context.Context, db database.DBTX) (map[string]float64, error) {
	rows, err := db.Query(ctx, `SELECT pattern_id, weight FROM test_pattern_weights`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	weights := map[string]float64{}
	for rows.Next() {
		var id string
		var w float64
		if err := rows.Scan(&id, &w); err != nil {
			return nil, err
		}
		weights[id] = w
	}
	return weights, rows.Err()
}

func setupWeights(t *testing.T, threshold float64) *env {
	t.Helper()
	e := setup(t)
	_, err := e.pool.Exec(context.Background(),
		`CREATE TABLE test_pattern_weights (pattern_id text PRIMARY KEY, weight double precision NOT NULL)`)
	require.NoError(t, err)
	e.syncer = NewSyncer(e.pool, e.keyring, SyncerOptions{Weights: tableWeights{}, WeightChangeThreshold: threshold})
	return e
}

func setWeight(t *testing.T, e *env, id string, w float64) {
	t.Helper()
	_, err := e.pool.Exec(context.Background(), `
		INSERT INTO test_pattern_weights (pattern_id, weight) VALUES ($1, $2)
		ON CONFLICT (pattern_id) DO UPDATE SET weight = excluded.weight`, id, w)
	require.NoError(t, err)
}

func TestSnapshotCarriesWeights(t *testing.T) {
	t.Parallel()
	e := setupWeights(t, 0.1)
	bundle := sampleBundle(3)
	ids := []string{bundle.Patterns[0].ID, bundle.Patterns[1].ID}
	setWeight(t, e, ids[0], 0.42)
	setWeight(t, e, ids[1], 7) // clamped to 1
	setWeight(t, e, "unknown.pattern", 0.5)
	e.publishAndSync(t, bundle)

	patterns, err := e.syncer.currentPatterns(context.Background(), e.pool, mustCurrentETag(t, e))
	require.NoError(t, err)
	byID := map[string]wire.Pattern{}
	for _, p := range patterns {
		byID[p.ID] = p
	}
	require.Len(t, byID, 3, "weights for unknown ids add no patterns")
	require.InDelta(t, 0.42, *byID[ids[0]].Weight, 1e-9)
	require.InDelta(t, 1.0, *byID[ids[1]].Weight, 1e-9)
	require.Nil(t, byID[bundle.Patterns[2].ID].Weight)
}

func mustCurrentETag(t *testing.T, e *env) string {
	t.Helper()
	etag, err := currentETag(context.Background(), e.pool)
	require.NoError(t, err)
	return etag
}

func TestWeightChangeRequestsSyncPastThreshold(t *testing.T) {
	t.Parallel()
	e := setupWeights(t, 0.1)
	ctx := context.Background()
	bundle := sampleBundle(2)
	id := bundle.Patterns[0].ID

	requested, err := e.syncer.RequestSyncIfWeightsChanged(ctx, e.pool)
	require.NoError(t, err)
	require.False(t, requested, "nothing published")

	setWeight(t, e, id, 0.5)
	before := e.publishAndSync(t, bundle)
	_, err = e.pool.Exec(ctx, `SELECT pgmq.purge_queue('centralcloud_patterns_sync')`)
	require.NoError(t, err)

	setWeight(t, e, id, 0.58)
	requested, err = e.syncer.RequestSyncIfWeightsChanged(ctx, e.pool)
	require.NoError(t, err)
	require.False(t, requested, "a change of 0.08 is within the threshold")

	setWeight(t, e, id, 0.65)
	requested, err = e.syncer.RequestSyncIfWeightsChanged(ctx, e.pool)
	require.NoError(t, err)
	require.True(t, requested, "a change of 0.15 is past the threshold")
	require.Equal(t, []SyncMessage{{Reason: SyncReasonWeights}}, queuedSyncs(t, e.pool))

	requested, err = e.syncer.RequestSyncIfWeightsChanged(ctx, e.pool)
	require.NoError(t, err)
	require.False(t, requested, "one request is pending already")

	after, err := e.syncer.Sync(ctx)
	require.NoError(t, err)
	require.True(t, after.Changed)
	require.NotEqual(t, before.ETag, after.ETag, "the weight is part of the content")

	setWeight(t, e, bundle.Patterns[1].ID, 0.3)
	requested, err = e.syncer.RequestSyncIfWeightsChanged(ctx, e.pool)
	require.NoError(t, err)
	require.True(t, requested, "a pattern that gains a weight requests a sync once the last one is served")
}

func TestWeightsRequestJoinsCallerTransaction(t *testing.T) {
	t.Parallel()
	e := setupWeights(t, 0.1)
	ctx := context.Background()
	bundle := sampleBundle(1)
	e.publishAndSync(t, bundle)
	_, err := e.pool.Exec(ctx, `SELECT pgmq.purge_queue('centralcloud_patterns_sync')`)
	require.NoError(t, err)

	tx, err := e.pool.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `INSERT INTO test_pattern_weights VALUES ($1, 0.9)`, bundle.Patterns[0].ID)
	require.NoError(t, err)
	requested, err := e.syncer.RequestSyncIfWeightsChanged(ctx, tx)
	require.NoError(t, err)
	require.True(t, requested, "the check sees the transaction's own change")
	require.NoError(t, tx.Rollback(ctx))
	require.Empty(t, queuedSyncs(t, e.pool), "the message rolls back with the transaction")
}

func TestWeightsChanged(t *testing.T) {
	t.Parallel()
	w := func(v float64) *float64 { return &v }
	patterns := []wire.Pattern{{ID: "a", Weight: w(0.5)}, {ID: "b"}}
	cases := []struct {
		name    string
		weights map[string]float64
		changed bool
	}{
		{"same", map[string]float64{"a": 0.5}, false},
		{"within threshold", map[string]float64{"a": 0.6}, false},
		{"past threshold", map[string]float64{"a": 0.61}, true},
		{"weight lost", map[string]float64{}, true},
		{"weight gained", map[string]float64{"a": 0.5, "b": 0.1}, true},
		{"not a number", map[string]float64{"a": 0.5, "b": math.NaN()}, false},
		{"other ids", map[string]float64{"a": 0.5, "c": 1}, false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.changed, weightsChanged(patterns, tc.weights, 0.1), tc.name)
	}
}
