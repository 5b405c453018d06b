package queue_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/queue"
)

// The benchmarks compare this package with the same pgmq SQL issued
// directly through pgx. Each iteration runs one operation both ways, one
// after the other, and times each, so both see the same load on a shared
// machine. They report msgs/s for each way and queue/raw, the ratio. Run
//
//	go test -run '^$' -bench . -benchtime 5s -count 3 ./queue
//
// and record the figures in docs/benchmarks.md.

// benchBody is a message the size of a typical CheckMessage, and
// benchJSON the same message already encoded, as a raw caller would have it.
var (
	benchBody = queue.CheckMessage{Type: queue.CheckRunCompleted, FinalEventAt: 1735689600000}
	benchJSON = []byte(`{"type":"run_completed","final_event_at":1735689600000}`)
)

// readBatch is the number of messages one read takes in the read+delete
// benchmarks.
const readBatch = 10

// pairTimer adds up the time spent in each of the two ways.
type pairTimer struct {
	ours, raw atomic.Int64
}

func (p *pairTimer) time(total *atomic.Int64, op func() error) error {
	start := time.Now()
	err := op()
	total.Add(int64(time.Since(start)))
	return err
}

// report turns the totals into rates for messages moved by each way. With
// several clients the totals add up their times, so the time that one way
// took out of the wall-clock time is its total divided by the clients.
func (p *pairTimer) report(b *testing.B, messages int64, clients int) {
	ours := float64(messages) * float64(clients) / time.Duration(p.ours.Load()).Seconds()
	raw := float64(messages) * float64(clients) / time.Duration(p.raw.Load()).Seconds()
	b.ReportMetric(ours, "queue_msgs/s")
	b.ReportMetric(raw, "raw_msgs/s")
	b.ReportMetric(ours/raw, "queue/raw")
}

// parallelism makes RunParallel start four client goroutines when
// GOMAXPROCS divides four, and GOMAXPROCS goroutines otherwise.
func parallelism() int { return max(1, 4/runtime.GOMAXPROCS(0)) }

// clients is the number of goroutines that RunParallel starts.
func clients() int { return parallelism() * runtime.GOMAXPROCS(0) }

func benchQueue(b *testing.B) (*pgxpool.Pool, string) {
	b.Helper()
	pool := dbtest.Pool(b)
	name := "b_" + randomHex(8)
	require.NoError(b, queue.Create(context.Background(), pool, name))
	return pool, name
}

func sendBoth(ctx context.Context, pool *pgxpool.Pool, q string, p *pairTimer) error {
	err := p.time(&p.ours, func() error {
		_, err := queue.Send(ctx, pool, q, benchBody)
		return err
	})
	if err != nil {
		return err
	}
	return p.time(&p.raw, func() error {
		var id int64
		return pool.QueryRow(ctx, "SELECT * FROM pgmq.send($1, $2::jsonb)", q, benchJSON).Scan(&id)
	})
}

func BenchmarkSend(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		pool, q := benchQueue(b)
		var p pairTimer
		var n int64
		for b.Loop() {
			if err := sendBoth(context.Background(), pool, q, &p); err != nil {
				b.Fatal(err)
			}
			n++
		}
		p.report(b, n, 1)
	})
	b.Run("4clients", func(b *testing.B) {
		pool, q := benchQueue(b)
		var p pairTimer
		var n atomic.Int64
		b.SetParallelism(parallelism())
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := sendBoth(context.Background(), pool, q, &p); err != nil {
					b.Error(err)
					return
				}
				n.Add(1)
			}
		})
		p.report(b, n.Load(), clients())
	})
}

// fill sends n messages to each of the queues, outside the timed part.
func fill(b *testing.B, pool *pgxpool.Pool, n int, queues ...string) {
	b.Helper()
	msgs := make([]any, 1000)
	for i := range msgs {
		msgs[i] = benchBody
	}
	for _, q := range queues {
		for sent := 0; sent < n; sent += len(msgs) {
			_, err := queue.SendBatch(context.Background(), pool, q, msgs[:min(len(msgs), n-sent)], 0)
			require.NoError(b, err)
		}
	}
}

func readDeleteOurs(ctx context.Context, pool *pgxpool.Pool, q string) error {
	msgs, err := queue.Read(ctx, pool, q, 30*time.Second, readBatch)
	if err != nil {
		return err
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	_, err = queue.DeleteBatch(ctx, pool, q, ids)
	return err
}

func readDeleteRaw(ctx context.Context, pool *pgxpool.Pool, q string) error {
	rows, err := pool.Query(ctx,
		"SELECT msg_id, read_ct, enqueued_at, vt, message, headers FROM pgmq.read($1, 30, $2)", q, readBatch)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (int64, error) {
		var id int64
		var readCount int
		var enqueuedAt, vt time.Time
		var body, headers []byte
		err := row.Scan(&id, &readCount, &enqueuedAt, &vt, &body, &headers)
		return id, err
	})
	if err != nil {
		return err
	}
	rows, err = pool.Query(ctx, "SELECT * FROM pgmq.delete($1, $2::bigint[])", q, ids)
	if err != nil {
		return err
	}
	_, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	return err
}

func readDeleteBoth(ctx context.Context, pool *pgxpool.Pool, ours, raw string, p *pairTimer) error {
	if err := p.time(&p.ours, func() error { return readDeleteOurs(ctx, pool, ours) }); err != nil {
		return err
	}
	return p.time(&p.raw, func() error { return readDeleteRaw(ctx, pool, raw) })
}

// BenchmarkReadDelete reads batches of ten messages and deletes them. Each
// way has its own queue, filled beforehand with enough messages.
func BenchmarkReadDelete(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		pool, ours := benchQueue(b)
		_, raw := benchQueue(b)
		fill(b, pool, b.N*readBatch, ours, raw)
		var p pairTimer
		b.ResetTimer()
		for range b.N {
			if err := readDeleteBoth(context.Background(), pool, ours, raw, &p); err != nil {
				b.Fatal(err)
			}
		}
		p.report(b, int64(b.N*readBatch), 1)
	})
	b.Run("4clients", func(b *testing.B) {
		pool, ours := benchQueue(b)
		_, raw := benchQueue(b)
		fill(b, pool, b.N*readBatch, ours, raw)
		var p pairTimer
		b.SetParallelism(parallelism())
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := readDeleteBoth(context.Background(), pool, ours, raw, &p); err != nil {
					b.Error(err)
					return
				}
			}
		})
		p.report(b, int64(b.N*readBatch), clients())
	})
}
