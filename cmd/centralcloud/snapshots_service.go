package main

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/learning"
	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/scannerapi"
	"github.com/centralcloud/centralcloud/snapshots"
)

// snapshotParts are the process's pattern snapshot components: the cache
// that serves snapshots and the syncer that builds them.
type snapshotParts struct {
	cache  *snapshots.Cache
	syncer *snapshots.Syncer
}

// addSnapshots builds the keyring and, per role, the in-memory cache that
// follows the current snapshot and the syncer that builds new ones.
func (s *service) addSnapshots(r roles) error {
	keyring, err := snapshotKeyring(s.app)
	if err != nil {
		return err
	}
	metrics, err := snapshots.RegisterMetrics(s.registry)
	if err != nil {
		return err
	}
	cfg := s.app.cfg.Snapshots
	if r.serve {
		s.snapshots.cache = snapshots.NewCache(s.pool, keyring, snapshots.CacheOptions{
			ReloadInterval: cfg.ReloadInterval, Metrics: metrics,
		})
		s.background = append(s.background, s.snapshots.cache.Run)
	}
	if r.work {
		s.snapshots.syncer = snapshots.NewSyncer(s.pool, keyring, snapshots.SyncerOptions{
			Weights: snapshots.AggregateWeights{}, WeightChangeThreshold: cfg.WeightChangeThreshold, Metrics: metrics,
		})
	}
	return nil
}

// registerSnapshotWorkers consumes the patterns sync queue and lets the
// learning handler queue a rebuild when the learned weights moved.
func (s *service) registerSnapshotWorkers(r *queue.Runner, learningHandler *learning.Handler) error {
	syncer := s.snapshots.syncer
	learningHandler.OnAggregatesChanged(func(ctx context.Context, tx pgx.Tx) error {
		_, err := syncer.RequestSyncIfWeightsChanged(ctx, tx)
		return err
	})
	cfg := s.app.cfg.Queue
	return r.Handle(queue.PatternsSync, func(ctx context.Context, m queue.Message) error {
		return syncer.HandleMessage(ctx, m.Body)
	}, queueHandlerOptions(cfg, cfg.PatternsSyncConcurrency))
}

// snapshotSource adapts the cache to the scanner API's inline snapshots.
type snapshotSource struct{ cache *snapshots.Cache }

func (s snapshotSource) ETag() string { return s.cache.ETag() }

func (s snapshotSource) Matches(etag string) bool { return s.cache.Matches(etag) }

func (s snapshotSource) Inline(clientKey string) (any, error) {
	inline, err := s.cache.Inline(clientKey)
	if err != nil {
		if snapshots.IsClientKeyError(err) {
			return nil, errors.Join(scannerapi.ErrInvalidClientKey, err)
		}
		return nil, err
	}
	return inline, nil
}
