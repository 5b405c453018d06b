package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/queue"
)

func nopHandler(context.Context, queue.Message) error { return nil }

func TestHandleRejectsBadRegistrations(t *testing.T) {
	t.Parallel()
	r := queue.NewRunner(dbtest.Pool(t), queue.RunnerOptions{Logger: zerolog.Nop()})
	require.NoError(t, r.Handle("q1", nopHandler, queue.HandlerOptions{}))

	err := r.Handle("q1", nopHandler, queue.HandlerOptions{})
	require.ErrorContains(t, err, "already has a handler")
	err = r.Handle("q2", nil, queue.HandlerOptions{})
	require.ErrorContains(t, err, "nil")
	err = r.Handle("q3", nopHandler, queue.HandlerOptions{Concurrency: -1})
	require.ErrorContains(t, err, "concurrency -1")
	err = r.Handle("q4", nopHandler, queue.HandlerOptions{VisibilityTimeout: -time.Second})
	require.ErrorContains(t, err, "negative")
	err = r.Handle("q5", nopHandler, queue.HandlerOptions{RetryBaseDelay: time.Minute, RetryMaxDelay: time.Second})
	require.ErrorContains(t, err, "retry max delay")
}

func TestRunWithoutHandlers(t *testing.T) {
	t.Parallel()
	r := queue.NewRunner(dbtest.Pool(t), queue.RunnerOptions{Logger: zerolog.Nop()})
	require.ErrorContains(t, r.Run(context.Background()), "no handlers")
}

func TestRunTwiceAndLateHandle(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	q := newQueue(t, pool)
	r := queue.NewRunner(pool, queue.RunnerOptions{Logger: zerolog.Nop()})
	require.NoError(t, r.Handle(q, nopHandler, queue.HandlerOptions{PollWait: time.Second}))
	running := startRunner(t, r)

	require.Eventually(t, func() bool {
		return r.Handle("late", nopHandler, queue.HandlerOptions{}) != nil
	}, 10*time.Second, 10*time.Millisecond, "Handle fails once Run has started")
	require.ErrorContains(t, r.Run(context.Background()), "already running")
	running.stop(t)
}

func TestPermanentWrapping(t *testing.T) {
	t.Parallel()
	require.NoError(t, queue.Permanent(nil))
	err := queue.Permanent(context.Canceled)
	require.True(t, queue.IsPermanent(err))
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, queue.IsPermanent(context.Canceled))
}

func TestDepthCollectorReportsQueue(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		q := newQueue(t, pool)
		_, err := queue.SendBatch(context.Background(), pool, q, []any{1, 2}, 0)
		require.NoError(t, err)
		_, reg := newMetrics(t, pool)
		labels := map[string]string{"queue": q}
		require.Equal(t, float64(2), metricValue(t, reg, queue.MetricQueueLength, labels))
		require.Equal(t, float64(2), metricValue(t, reg, queue.MetricQueueVisibleLength, labels))
		require.GreaterOrEqual(t, metricValue(t, reg, queue.MetricQueueOldestAge, labels), float64(0))
		for _, name := range []string{queue.Learning, queue.Checks, queue.PatternsSync} {
			require.GreaterOrEqual(t, metricValue(t, reg, queue.MetricQueueLength, map[string]string{"queue": name}),
				float64(0), "queue %s is reported", name)
		}
	})
}
