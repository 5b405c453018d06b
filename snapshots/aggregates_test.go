package snapshots

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// addAggregate inserts one learning aggregate row, as the learning handler
// would after folding in a run.
func addAggregate(t *testing.T, e *env, patternID, severity, language string, findings, suppressed int) {
	t.Helper()
	day := time.Now().UTC().Truncate(24 * time.Hour)
	_, err := e.pool.Exec(context.Background(), `
		INSERT INTO learning_pattern_aggregates (pattern_id, severity, language, scanner_name, scanner_version,
		  finding_count, suppressed_count, run_count, first_seen_on, last_seen_on)
		VALUES ($1, $2, $3, 'scanner', '1.0', $4, $5, 1, $6, $6)`,
		patternID, severity, language, findings, suppressed, day)
	require.NoError(t, err)
}

func TestAggregateWeightsFromLearning(t *testing.T) {
	t.Parallel()
	e := setup(t)
	addAggregate(t, e, "go.exec", "error", "go", 6, 1)
	addAggregate(t, e, "go.exec", "warning", "", 2, 1) // summed with the row above
	addAggregate(t, e, "py.md5", "note", "python", 3, 3)

	weights, err := AggregateWeights{}.Weights(context.Background(), e.pool)
	require.NoError(t, err)
	require.Len(t, weights, 2)
	require.InDelta(t, (8.0-2+1)/(8+2), weights["go.exec"], 1e-9)
	require.InDelta(t, 1.0/5, weights["py.md5"], 1e-9, "every finding suppressed")
}

func TestSnapshotUsesLearnedWeights(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.syncer = NewSyncer(e.pool, e.keyring, SyncerOptions{Weights: AggregateWeights{}, WeightChangeThreshold: 0.05})
	bundle := sampleBundle(2)
	id := bundle.Patterns[0].ID
	before := e.publishAndSync(t, bundle)

	addAggregate(t, e, id, "warning", "go", 10, 0)
	requested, err := e.syncer.RequestSyncIfWeightsChanged(context.Background(), e.pool)
	require.NoError(t, err)
	require.True(t, requested, "a pattern's first learned weight requests a sync")

	after, err := e.syncer.Sync(context.Background())
	require.NoError(t, err)
	require.NotEqual(t, before.ETag, after.ETag)
	patterns, err := e.syncer.currentPatterns(context.Background(), e.pool, after.ETag)
	require.NoError(t, err)
	for _, p := range patterns {
		if p.ID == id {
			require.NotNil(t, p.Weight)
			require.InDelta(t, 11.0/12, *p.Weight, 1e-4)
		} else {
			require.Nil(t, p.Weight)
		}
	}
}
