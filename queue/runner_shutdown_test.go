package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/queue"
)

func TestRunnerShutdownFinishesMessageInHand(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		effects := newEffectsTable(t, pool)
		first, err := queue.Send(ctx, pool, q, testBody{Key: "in hand"})
		require.NoError(t, err)
		second, err := queue.Send(ctx, pool, q, testBody{Key: "waiting"})
		require.NoError(t, err)

		started := make(chan struct{})
		release := make(chan struct{})
		var calls atomic.Int64
		handler := effectHandler(pool, effects, &calls)
		r := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t), ShutdownGrace: time.Minute})
		require.NoError(t, r.Handle(q, func(ctx context.Context, msg queue.Message) error {
			close(started)
			<-release
			return handler(ctx, msg)
		}, testOptions()))
		running := startRunner(t, r)

		<-started
		running.cancel()
		select {
		case <-running.done:
			t.Fatal("Run returned while a handler was still running")
		default:
		}
		close(release)
		running.stop(t)

		require.Equal(t, 1, countRows(t, pool, effects), "the message in hand was finished")
		require.Equal(t, int64(1), calls.Load())
		deleted, err := queue.Delete(ctx, pool, q, first)
		require.NoError(t, err)
		require.False(t, deleted, "the finished message was deleted")
		require.Equal(t, 0, readCount(t, pool, q, second), "no message is read after shutdown begins")
	})
}

func TestRunnerGraceEndCancelsHandler(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		metrics, reg := newMetrics(t, pool)
		id, err := queue.Send(ctx, pool, q, testBody{Key: "slow"})
		require.NoError(t, err)

		started := make(chan struct{})
		r := queue.NewRunner(pool, queue.RunnerOptions{
			Logger: testLogger(t), ShutdownGrace: 100 * time.Millisecond, Metrics: metrics,
		})
		require.NoError(t, r.Handle(q, func(ctx context.Context, _ queue.Message) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}, testOptions()))
		running := startRunner(t, r)
		<-started
		running.stop(t)

		require.Equal(t, 1, readCount(t, pool, q, id), "the unfinished message stays for the next reader")
		require.Equal(t, float64(1), metricValue(t, reg, queue.MetricHandlerDuration,
			map[string]string{"queue": q, "outcome": queue.OutcomeReleased}))
		require.Equal(t, float64(-1), metricValue(t, reg, queue.MetricRetried, map[string]string{"queue": q}),
			"a shutdown is not a retry")
	})
}

func TestRunnerExtendsVisibilityTimeout(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 10)
		q := newQueue(t, pool)
		id, err := queue.Send(ctx, pool, q, testBody{Key: "long"})
		require.NoError(t, err)
		opts := testOptions()
		opts.VisibilityTimeout = time.Second

		started := make(chan time.Time, 1)
		release := make(chan struct{})
		long := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t)})
		require.NoError(t, long.Handle(q, func(context.Context, queue.Message) error {
			started <- time.Now()
			<-release
			return nil
		}, opts))
		startRunner(t, long)
		startedAt := <-started

		var otherCalls atomic.Int64
		other := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t)})
		require.NoError(t, other.Handle(q, func(context.Context, queue.Message) error {
			otherCalls.Add(1)
			return nil
		}, opts))
		startRunner(t, other)

		// Wait until the visibility timeout has moved well past the one
		// second it started with.
		table := pgx.Identifier{"pgmq", "q_" + q}.Sanitize()
		require.Eventually(t, func() bool {
			var vt time.Time
			err := pool.QueryRow(ctx, "SELECT vt FROM "+table+" WHERE msg_id = $1", id).Scan(&vt)
			return err == nil && vt.After(startedAt.Add(3*time.Second))
		}, 30*time.Second, 50*time.Millisecond)
		require.Equal(t, int64(0), otherCalls.Load(), "no other consumer got the message while its handler ran")
		require.Equal(t, 1, readCount(t, pool, q, id))

		close(release)
		require.Eventually(t, func() bool { return queueLength(t, pool, q) == 0 }, 30*time.Second, 20*time.Millisecond)
		require.Equal(t, int64(0), otherCalls.Load())
	})
}

func TestRunnerRecoversPanic(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		metrics, reg := newMetrics(t, pool)
		_, err := queue.Send(ctx, pool, q, testBody{Key: "panics once"})
		require.NoError(t, err)

		var calls atomic.Int64
		r := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t), Metrics: metrics})
		require.NoError(t, r.Handle(q, func(_ context.Context, msg queue.Message) error {
			calls.Add(1)
			if msg.ReadCount == 1 {
				panic("boom")
			}
			return nil
		}, testOptions()))
		startRunner(t, r)

		require.Eventually(t, func() bool { return queueLength(t, pool, q) == 0 }, 30*time.Second, 20*time.Millisecond)
		labels := map[string]string{"queue": q}
		require.Equal(t, int64(2), calls.Load())
		require.Equal(t, float64(1), metricValue(t, reg, queue.MetricPanics, labels))
		require.Equal(t, float64(1), metricValue(t, reg, queue.MetricRetried, labels))
		require.Eventually(t, func() bool {
			return metricValue(t, reg, queue.MetricProcessed, labels) == 1
		}, 10*time.Second, 10*time.Millisecond)
	})
}

func TestRunnerHandlerTimeoutRetries(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		_, err := queue.Send(ctx, pool, q, testBody{Key: "slow once"})
		require.NoError(t, err)
		opts := testOptions()
		opts.Timeout = 50 * time.Millisecond

		var timedOut atomic.Bool
		r := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t)})
		require.NoError(t, r.Handle(q, func(ctx context.Context, msg queue.Message) error {
			if msg.ReadCount == 1 {
				<-ctx.Done()
				timedOut.Store(errors.Is(ctx.Err(), context.DeadlineExceeded))
				return ctx.Err()
			}
			return nil
		}, opts))
		startRunner(t, r)

		require.Eventually(t, func() bool { return queueLength(t, pool, q) == 0 }, 30*time.Second, 20*time.Millisecond)
		require.True(t, timedOut.Load(), "the first call ran into its timeout")
	})
}

// retryLater is an error that asks for a retry after its duration.
type retryLater time.Duration

func (r retryLater) Error() string             { return "rate limited" }
func (r retryLater) RetryAfter() time.Duration { return time.Duration(r) }

func TestRunnerHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		_, err := queue.Send(ctx, pool, q, testBody{Key: "limited"})
		require.NoError(t, err)

		calls := make(chan time.Time, 2)
		r := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t)})
		require.NoError(t, r.Handle(q, func(_ context.Context, msg queue.Message) error {
			calls <- time.Now()
			if msg.ReadCount == 1 {
				return fmt.Errorf("create check run: %w", retryLater(3*time.Second))
			}
			return nil
		}, testOptions()))
		startRunner(t, r)

		first := <-calls
		second := <-calls
		require.GreaterOrEqual(t, second.Sub(first), 2900*time.Millisecond,
			"the retry waits for the error's Retry-After, not the one-second backoff")
	})
}
