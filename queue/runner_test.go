package queue_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/queue"
)

func TestRunnerNoLossUnderConcurrency(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		const producers, consumers, perProducer = 4, 4, 1250
		const total = producers * perProducer
		pool := ownPool(t, shared, 16)
		q := newQueue(t, pool)
		effects := newEffectsTable(t, pool)
		metrics, reg := newMetrics(t, pool)
		var calls atomic.Int64

		for range consumers {
			r := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t), Metrics: metrics})
			require.NoError(t, r.Handle(q, effectHandler(pool, effects, &calls), testOptions()))
			startRunner(t, r)
		}

		var wg sync.WaitGroup
		errs := make(chan error, producers)
		for p := range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- produce(pool, q, p, perProducer)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		require.Eventually(t, func() bool { return countRows(t, pool, effects) >= total },
			90*time.Second, 50*time.Millisecond)
		var rows, keys int
		require.NoError(t, pool.QueryRow(context.Background(),
			"SELECT count(*), count(DISTINCT key) FROM "+effects).Scan(&rows, &keys))
		require.Equal(t, total, keys, "every message was handled")
		require.Equal(t, total, rows, "no message had its effect twice")
		require.GreaterOrEqual(t, calls.Load(), int64(total))
		require.Equal(t, int64(0), queueLength(t, pool, q))
		require.Equal(t, float64(total),
			metricValue(t, reg, queue.MetricProcessed, map[string]string{"queue": q}))
	})
}

// produce sends n messages with unique keys, ten per transaction.
func produce(pool *pgxpool.Pool, queueName string, producer, n int) error {
	ctx := context.Background()
	for start := 0; start < n; start += 10 {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			for i := start; i < min(start+10, n); i++ {
				key := fmt.Sprintf("p%d-%d", producer, i)
				if _, err := queue.Send(ctx, tx, queueName, testBody{Key: key}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func TestRunnerKilledConsumerRedelivers(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		effects := newEffectsTable(t, pool)
		opts := testOptions()
		opts.VisibilityTimeout = time.Second
		id, err := queue.Send(ctx, pool, q, testBody{Key: "once"})
		require.NoError(t, err)

		// The first consumer writes the effect in a transaction and is
		// killed before it commits or acknowledges.
		started := make(chan struct{})
		killed := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t), ShutdownGrace: time.Millisecond})
		require.NoError(t, killed.Handle(q, func(ctx context.Context, msg queue.Message) error {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(context.Background()) //nolint:errcheck // rollback after a cancelled context
			if _, err := tx.Exec(ctx, "INSERT INTO "+effects+" (key, msg_id) VALUES ('once', $1)", msg.ID); err != nil {
				return err
			}
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}, opts))
		first := startRunner(t, killed)
		<-started
		first.stop(t)
		require.Equal(t, 0, countRows(t, pool, effects))
		require.Equal(t, 1, readCount(t, pool, q, id), "the message stays in the queue, read once")

		var calls atomic.Int64
		var seenReads atomic.Int64
		second := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t)})
		handler := effectHandler(pool, effects, &calls)
		require.NoError(t, second.Handle(q, func(ctx context.Context, msg queue.Message) error {
			seenReads.Store(int64(msg.ReadCount))
			return handler(ctx, msg)
		}, opts))
		startRunner(t, second)

		require.Eventually(t, func() bool { return queueLength(t, pool, q) == 0 }, 30*time.Second, 20*time.Millisecond)
		require.Equal(t, 1, countRows(t, pool, effects), "the effect happened once")
		require.Equal(t, int64(1), calls.Load())
		require.Equal(t, int64(2), seenReads.Load(), "the redelivered message counts both reads")
	})
}

func TestRunnerDeadLettersPoisonMessage(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		metrics, reg := newMetrics(t, pool)
		opts := testOptions()
		opts.MaxReads = 3
		id, err := queue.SendWith(ctx, pool, q, testBody{Key: "poison"},
			queue.SendOptions{Headers: map[string]string{"origin": "test"}})
		require.NoError(t, err)

		var calls atomic.Int64
		r := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t), Metrics: metrics})
		require.NoError(t, r.Handle(q, func(context.Context, queue.Message) error {
			calls.Add(1)
			return fmt.Errorf("poison: cannot parse body")
		}, opts))
		running := startRunner(t, r)

		var letters []queue.DeadLetter
		require.Eventually(t, func() bool {
			letters, err = queue.ListDeadLetters(ctx, pool, queue.DeadLetterFilter{Queue: q})
			return err == nil && len(letters) == 1
		}, 30*time.Second, 50*time.Millisecond)
		running.stop(t)

		letter := letters[0]
		require.Equal(t, int64(3), calls.Load(), "the handler ran once per allowed read")
		require.Equal(t, q, letter.Queue)
		require.Equal(t, id, letter.MsgID)
		require.Equal(t, 3, letter.ReadCount)
		require.Contains(t, letter.LastError, "poison: cannot parse body")
		require.JSONEq(t, `{"key":"poison"}`, string(letter.Body))
		require.JSONEq(t, `{"origin":"test"}`, string(letter.Headers))
		require.Nil(t, letter.RequeuedAt)
		require.Equal(t, int64(0), queueLength(t, pool, q))
		var archived int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+
			pgx.Identifier{"pgmq", "a_" + q}.Sanitize()+" WHERE msg_id = $1", id).Scan(&archived))
		require.Equal(t, 1, archived, "the dead letter is in the pgmq archive")
		labels := map[string]string{"queue": q}
		require.Equal(t, float64(2), metricValue(t, reg, queue.MetricRetried, labels))
		require.Equal(t, float64(1), metricValue(t, reg, queue.MetricDeadLettered, labels))

		newID, err := queue.Requeue(ctx, pool, letter.ID)
		require.NoError(t, err)
		msgs, err := queue.Read(ctx, pool, q, time.Second, 10)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Equal(t, newID, msgs[0].ID)
		require.Equal(t, 1, msgs[0].ReadCount, "a requeued message starts its reads again")
		require.JSONEq(t, `{"key":"poison"}`, string(msgs[0].Body))
		require.JSONEq(t, `{"origin":"test"}`, string(msgs[0].Headers))

		pending, err := queue.ListDeadLetters(ctx, pool, queue.DeadLetterFilter{Queue: q})
		require.NoError(t, err)
		require.Empty(t, pending)
		all, err := queue.ListDeadLetters(ctx, pool, queue.DeadLetterFilter{Queue: q, IncludeRequeued: true})
		require.NoError(t, err)
		require.Len(t, all, 1)
		require.NotNil(t, all[0].RequeuedAt)
		require.Equal(t, newID, *all[0].RequeuedMsgID)

		_, err = queue.Requeue(ctx, pool, letter.ID)
		require.ErrorIs(t, err, queue.ErrAlreadyRequeued)
	})
}

func TestRunnerPermanentErrorDeadLetters(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		_, err := queue.SendBatch(ctx, pool, q, []any{"not an object", "also not"}, 0)
		require.NoError(t, err)

		var calls atomic.Int64
		r := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t)})
		require.NoError(t, r.Handle(q, effectHandler(pool, newEffectsTable(t, pool), &calls), testOptions()))
		running := startRunner(t, r)
		require.Eventually(t, func() bool {
			letters, err := queue.ListDeadLetters(ctx, pool, queue.DeadLetterFilter{Queue: q})
			return err == nil && len(letters) == 2
		}, 30*time.Second, 20*time.Millisecond)
		running.stop(t)
		require.Equal(t, int64(2), calls.Load(), "a permanent error is not retried")

		n, err := queue.RequeueAll(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		require.Equal(t, int64(2), queueLength(t, pool, q))
		n, err = queue.RequeueAll(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, 0, n, "requeued dead letters are not sent twice")
	})
}

func TestRequeueUnknownDeadLetter(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		var id [16]byte
		id[0] = 1
		_, err := queue.Requeue(context.Background(), pool, id)
		require.ErrorIs(t, err, queue.ErrDeadLetterNotFound)
	})
}

func TestRunnerDeadLettersAfterCrashes(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, shared *pgxpool.Pool) {
		ctx := context.Background()
		pool := ownPool(t, shared, 8)
		q := newQueue(t, pool)
		id, err := queue.Send(ctx, pool, q, testBody{Key: "crashes"})
		require.NoError(t, err)
		// Three reads that never finished, as after three worker crashes.
		for range 3 {
			msgs, err := queue.Read(ctx, pool, q, time.Second, 1)
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			_, err = queue.SetVisibilityTimeout(ctx, pool, q, id, 0)
			require.NoError(t, err)
		}

		var calls atomic.Int64
		opts := testOptions()
		opts.MaxReads = 3
		r := queue.NewRunner(pool, queue.RunnerOptions{Logger: testLogger(t)})
		require.NoError(t, r.Handle(q, effectHandler(pool, newEffectsTable(t, pool), &calls), opts))
		running := startRunner(t, r)
		var letters []queue.DeadLetter
		require.Eventually(t, func() bool {
			letters, err = queue.ListDeadLetters(ctx, pool, queue.DeadLetterFilter{Queue: q})
			return err == nil && len(letters) == 1
		}, 30*time.Second, 20*time.Millisecond)
		running.stop(t)
		require.Equal(t, int64(0), calls.Load(), "a message past its reads is not handled again")
		require.Contains(t, letters[0].LastError, "read 4 times")
	})
}
