package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/queue"
)

type testBody struct {
	Key string `json:"key"`
}

func TestMigrationCreatesQueues(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		queues, err := queue.ListQueues(context.Background(), pool)
		require.NoError(t, err)
		var names []string
		for _, q := range queues {
			names = append(names, q.Name)
		}
		require.Subset(t, names, []string{queue.Learning, queue.Checks, queue.PatternsSync})
	})
}

func TestSendReadHidesMessage(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		id, err := queue.Send(ctx, pool, q, testBody{Key: "a"})
		require.NoError(t, err)

		msgs, err := queue.Read(ctx, pool, q, 30*time.Second, 10)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		msg := msgs[0]
		require.Equal(t, id, msg.ID)
		require.Equal(t, q, msg.Queue)
		require.Equal(t, 1, msg.ReadCount)
		require.WithinDuration(t, time.Now().Add(30*time.Second), msg.VisibleAt, 5*time.Second)
		require.False(t, msg.EnqueuedAt.IsZero())
		var body testBody
		require.NoError(t, msg.Decode(&body))
		require.Equal(t, "a", body.Key)

		again, err := queue.Read(ctx, pool, q, 30*time.Second, 10)
		require.NoError(t, err)
		require.Empty(t, again, "a read message stays hidden until its visibility timeout")

		_, err = queue.SetVisibilityTimeout(ctx, pool, q, id, 0)
		require.NoError(t, err)
		again, err = queue.Read(ctx, pool, q, 30*time.Second, 10)
		require.NoError(t, err)
		require.Len(t, again, 1)
		require.Equal(t, 2, again[0].ReadCount)
	})
}

func TestSendInTransaction(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)

		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		_, err = queue.Send(ctx, tx, q, testBody{Key: "rolled back"})
		require.NoError(t, err)
		require.NoError(t, tx.Rollback(ctx))

		tx, err = pool.Begin(ctx)
		require.NoError(t, err)
		id, err := queue.Send(ctx, tx, q, testBody{Key: "committed"})
		require.NoError(t, err)
		before, err := queue.Read(ctx, pool, q, time.Second, 10)
		require.NoError(t, err)
		require.Empty(t, before, "a message is invisible before its transaction commits")
		require.NoError(t, tx.Commit(ctx))

		after, err := queue.Read(ctx, pool, q, time.Second, 10)
		require.NoError(t, err)
		require.Len(t, after, 1)
		require.Equal(t, id, after[0].ID)
	})
}

func TestSendWithDelayAndHeaders(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		delayed, err := queue.SendWith(ctx, pool, q, testBody{Key: "later"}, queue.SendOptions{Delay: time.Hour})
		require.NoError(t, err)
		withHeaders, err := queue.SendWith(ctx, pool, q, testBody{Key: "now"},
			queue.SendOptions{Headers: map[string]string{"trace": "t1"}})
		require.NoError(t, err)

		msgs, err := queue.Read(ctx, pool, q, time.Second, 10)
		require.NoError(t, err)
		require.Len(t, msgs, 1, "the delayed message is not visible yet")
		require.Equal(t, withHeaders, msgs[0].ID)
		require.JSONEq(t, `{"trace":"t1"}`, string(msgs[0].Headers))

		stats, err := queue.Metrics(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, int64(2), stats.Length)
		require.Equal(t, int64(0), stats.VisibleLength)

		m, err := queue.SetVisibilityTimeout(ctx, pool, q, delayed, 0)
		require.NoError(t, err)
		require.Equal(t, 0, m.ReadCount)
		require.Nil(t, m.Headers)
	})
}

func TestSendBatchKeepsOrder(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		bodies := []any{testBody{Key: "0"}, testBody{Key: "1"}, testBody{Key: "2"}}
		ids, err := queue.SendBatch(ctx, pool, q, bodies, 0)
		require.NoError(t, err)
		require.Len(t, ids, 3)
		require.Less(t, ids[0], ids[1])
		require.Less(t, ids[1], ids[2])

		msgs, err := queue.Read(ctx, pool, q, time.Second, 2)
		require.NoError(t, err)
		require.Len(t, msgs, 2, "read takes at most qty messages")
		for i, msg := range msgs {
			require.Equal(t, ids[i], msg.ID, "read takes the oldest messages first")
			var body testBody
			require.NoError(t, msg.Decode(&body))
			require.Equal(t, bodies[i], body)
		}
	})
}

func TestSendBatchDelayed(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		ids, err := queue.SendBatch(ctx, pool, q, []any{1, 2}, time.Hour)
		require.NoError(t, err)
		require.Len(t, ids, 2)
		msgs, err := queue.Read(ctx, pool, q, time.Second, 10)
		require.NoError(t, err)
		require.Empty(t, msgs)
	})
}

func TestReadWithPollWaitsForSend(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		type result struct {
			msgs []queue.Message
			err  error
		}
		done := make(chan result, 1)
		go func() {
			msgs, err := queue.ReadWithPoll(ctx, pool, q, 30*time.Second, 1,
				queue.PollOptions{MaxWait: 20 * time.Second, Interval: 50 * time.Millisecond})
			done <- result{msgs, err}
		}()
		waitForPolling(t, pool, q)
		id, err := queue.Send(ctx, pool, q, testBody{Key: "late"})
		require.NoError(t, err)

		res := <-done
		require.NoError(t, res.err)
		require.Len(t, res.msgs, 1)
		require.Equal(t, id, res.msgs[0].ID)
	})
}

func TestReadWithPollEmptyQueue(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		q := newQueue(t, pool)
		start := time.Now()
		msgs, err := queue.ReadWithPoll(context.Background(), pool, q, time.Second, 1,
			queue.PollOptions{MaxWait: time.Second, Interval: 100 * time.Millisecond})
		require.NoError(t, err)
		require.Empty(t, msgs)
		require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "the read waits up to MaxWait")
	})
}

func TestReadWithPollCancelled(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		q := newQueue(t, pool)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := queue.ReadWithPoll(ctx, pool, q, time.Second, 1,
				queue.PollOptions{MaxWait: time.Minute, Interval: 100 * time.Millisecond})
			done <- err
		}()
		waitForPolling(t, pool, q)
		cancel()
		select {
		case err := <-done:
			require.Error(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("ReadWithPoll kept waiting after its context was cancelled")
		}
	})
}

// waitForPolling waits until a read_with_poll on queueName is running.
func waitForPolling(t *testing.T, pool *pgxpool.Pool, queueName string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := pool.QueryRow(context.Background(),
			`SELECT count(*) FROM pg_stat_activity
			  WHERE state = 'active' AND query LIKE '%read_with_poll%' AND pid <> pg_backend_pid()
			    AND EXISTS (SELECT 1 FROM pg_locks l
			                 WHERE l.pid = pg_stat_activity.pid
			                   AND l.relation = to_regclass('pgmq.' || $1))`,
			"q_"+queueName).Scan(&n)
		return err == nil && n > 0
	}, 10*time.Second, 20*time.Millisecond)
}

func TestPopDeletesWithoutRead(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		_, err := queue.Pop(ctx, pool, q)
		require.ErrorIs(t, err, queue.ErrMessageNotFound)

		id, err := queue.Send(ctx, pool, q, testBody{Key: "p"})
		require.NoError(t, err)
		msg, err := queue.Pop(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, id, msg.ID)
		require.Equal(t, 0, msg.ReadCount)

		stats, err := queue.Metrics(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, int64(0), stats.Length)
	})
}

func TestDeleteAndArchive(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		ids, err := queue.SendBatch(ctx, pool, q, []any{1, 2, 3, 4, 5, 6}, 0)
		require.NoError(t, err)

		deleted, err := queue.Delete(ctx, pool, q, ids[0])
		require.NoError(t, err)
		require.True(t, deleted)
		deleted, err = queue.Delete(ctx, pool, q, ids[0])
		require.NoError(t, err)
		require.False(t, deleted, "a second delete finds nothing")

		deletedIDs, err := queue.DeleteBatch(ctx, pool, q, []int64{ids[1], ids[2], 999999})
		require.NoError(t, err)
		require.ElementsMatch(t, []int64{ids[1], ids[2]}, deletedIDs)

		archived, err := queue.Archive(ctx, pool, q, ids[3])
		require.NoError(t, err)
		require.True(t, archived)
		archived, err = queue.Archive(ctx, pool, q, ids[3])
		require.NoError(t, err)
		require.False(t, archived)

		moved, err := queue.ArchiveBatch(ctx, pool, q, []int64{ids[4], 999999})
		require.NoError(t, err)
		require.Equal(t, []int64{ids[4]}, moved)

		var archivedIDs []int64
		rows, err := pool.Query(ctx, "SELECT msg_id FROM "+pgx.Identifier{"pgmq", "a_" + q}.Sanitize()+
			" WHERE archived_at IS NOT NULL ORDER BY msg_id")
		require.NoError(t, err)
		archivedIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		require.NoError(t, err)
		require.Equal(t, []int64{ids[3], ids[4]}, archivedIDs)

		stats, err := queue.Metrics(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, int64(1), stats.Length)
	})
}

func TestDeleteTxReportsFinishedMessage(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		_, err := queue.Send(ctx, pool, q, testBody{Key: "x"})
		require.NoError(t, err)
		msgs, err := queue.Read(ctx, pool, q, time.Second, 1)
		require.NoError(t, err)
		require.Len(t, msgs, 1)

		require.NoError(t, queue.DeleteTx(ctx, pool, msgs[0]))
		require.ErrorIs(t, queue.DeleteTx(ctx, pool, msgs[0]), queue.ErrMessageNotFound)
		require.ErrorIs(t, queue.ArchiveTx(ctx, pool, msgs[0]), queue.ErrMessageNotFound)
	})
}

func TestMetricsAndPurge(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		_, err := queue.SendBatch(ctx, pool, q, []any{1, 2, 3}, 0)
		require.NoError(t, err)
		_, err = queue.Read(ctx, pool, q, time.Minute, 1)
		require.NoError(t, err)

		stats, err := queue.Metrics(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, q, stats.Queue)
		require.Equal(t, int64(3), stats.Length)
		require.Equal(t, int64(2), stats.VisibleLength)
		require.Equal(t, int64(3), stats.TotalMessages)
		require.GreaterOrEqual(t, stats.OldestAge, time.Duration(0))
		require.WithinDuration(t, time.Now(), stats.ScrapedAt, time.Minute)

		all, err := queue.MetricsAll(ctx, pool)
		require.NoError(t, err)
		found := false
		for _, s := range all {
			if s.Queue == q {
				found = true
				require.Equal(t, int64(3), s.Length)
			}
		}
		require.True(t, found, "metrics_all lists the queue")

		purged, err := queue.Purge(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, int64(3), purged)
		stats, err = queue.Metrics(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, int64(0), stats.Length)
		require.Equal(t, time.Duration(0), stats.OldestAge)
		require.Equal(t, int64(3), stats.TotalMessages, "total_messages counts purged messages too")
	})
}

func TestCreateRejectsLongName(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		err := queue.Create(context.Background(), pool, strings.Repeat("q", 48))
		require.Error(t, err)
	})
}

func TestCreateIsIdempotent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		_, err := queue.Send(ctx, pool, q, 1)
		require.NoError(t, err)
		require.NoError(t, queue.Create(ctx, pool, q))
		stats, err := queue.Metrics(ctx, pool, q)
		require.NoError(t, err)
		require.Equal(t, int64(1), stats.Length, "creating an existing queue keeps its messages")
	})
}

func TestCompatSchemaWithoutExtension(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	var available, installed bool
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgmq'),
		        EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgmq')`).Scan(&available, &installed))
	if available {
		require.True(t, installed, "the migration creates the extension where the server has it")
		t.Skip("this server has the pgmq extension, so the compatibility schema is not installed")
	}
	require.False(t, installed)
	var functions int
	require.NoError(t, pool.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgmq'::regnamespace").Scan(&functions))
	require.Greater(t, functions, 20, "the compatibility schema provides pgmq's functions")
}

// TestDropQueue is not parallel, so Go runs it before the parallel tests.
// A queue dropped while another test calls MetricsAll fails that call on
// real pgmq.
func TestDropQueue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, pool *pgxpool.Pool) {
		ctx := context.Background()
		q := newQueue(t, pool)
		_, err := queue.Send(ctx, pool, q, 1)
		require.NoError(t, err)
		require.NoError(t, queue.DropQueue(ctx, pool, q))

		queues, err := queue.ListQueues(ctx, pool)
		require.NoError(t, err)
		for _, info := range queues {
			require.NotEqual(t, q, info.Name)
		}
		_, err = queue.Send(ctx, pool, q, 1)
		require.Error(t, err, "sending to a dropped queue fails")
	})
}
