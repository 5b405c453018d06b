package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/queue"
)

// The benchmarks compare this package with the same pgmq SQL issued
// directly through pgx, in the same run and on the same pool. Run them with
//
//	go test -run '^$' -bench . -count 5 ./queue
//
// and record msgs/s of each pair in docs/benchmarks.md.

// benchBody is a message the size of a typical CheckMessage.
var benchBody = queue.CheckMessage{Type: queue.CheckRunCompleted, FinalEventAt: 1735689600000}

func benchQueue(b *testing.B) (*pgxpool.Pool, string) {
	b.Helper()
	pool := dbtest.Pool(b)
	name := "b_" + randomHex(8)
	require.NoError(b, queue.Create(context.Background(), pool, name))
	return pool, name
}

func reportRate(b *testing.B, messages int) {
	b.ReportMetric(float64(messages)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkSend(b *testing.B) {
	b.Run("queue", func(b *testing.B) {
		pool, q := benchQueue(b)
		ctx := context.Background()
		for b.Loop() {
			if _, err := queue.Send(ctx, pool, q, benchBody); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b, b.N)
	})
	b.Run("raw", func(b *testing.B) {
		pool, q := benchQueue(b)
		ctx := context.Background()
		body := []byte(`{"type":"run_completed","final_event_at":1735689600000}`)
		for b.Loop() {
			var id int64
			if err := pool.QueryRow(ctx, "SELECT * FROM pgmq.send($1, $2::jsonb)", q, body).Scan(&id); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b, b.N)
	})
}

// readBatch is the number of messages one read takes in the read+delete
// benchmarks.
const readBatch = 10

// fill sends n messages to q in batches, outside the timed part.
func fill(b *testing.B, pool *pgxpool.Pool, q string, n int) {
	b.Helper()
	msgs := make([]any, 1000)
	for i := range msgs {
		msgs[i] = benchBody
	}
	for sent := 0; sent < n; sent += len(msgs) {
		_, err := queue.SendBatch(context.Background(), pool, q, msgs[:min(len(msgs), n-sent)], 0)
		require.NoError(b, err)
	}
}

func BenchmarkReadDelete(b *testing.B) {
	b.Run("queue", func(b *testing.B) {
		pool, q := benchQueue(b)
		ctx := context.Background()
		fill(b, pool, q, b.N*readBatch)
		b.ResetTimer()
		for range b.N {
			msgs, err := queue.Read(ctx, pool, q, 30*time.Second, readBatch)
			if err != nil || len(msgs) == 0 {
				b.Fatal(err, len(msgs))
			}
			ids := make([]int64, len(msgs))
			for i, m := range msgs {
				ids[i] = m.ID
			}
			if _, err := queue.DeleteBatch(ctx, pool, q, ids); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b, b.N*readBatch)
	})
	b.Run("raw", func(b *testing.B) {
		pool, q := benchQueue(b)
		ctx := context.Background()
		fill(b, pool, q, b.N*readBatch)
		b.ResetTimer()
		for range b.N {
			rows, err := pool.Query(ctx,
				"SELECT msg_id, read_ct, enqueued_at, vt, message, headers FROM pgmq.read($1, 30, $2)", q, readBatch)
			if err != nil {
				b.Fatal(err)
			}
			ids, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (int64, error) {
				var id int64
				var readCount int
				var enqueuedAt, vt time.Time
				var body, headers []byte
				err := row.Scan(&id, &readCount, &enqueuedAt, &vt, &body, &headers)
				return id, err
			})
			if err != nil || len(ids) == 0 {
				b.Fatal(err, len(ids))
			}
			rows, err = pool.Query(ctx, "SELECT * FROM pgmq.delete($1, $2::bigint[])", q, ids)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b, b.N*readBatch)
	})
}
