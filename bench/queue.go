package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/centralcloud/centralcloud/queue"
)

// queueBody is the message of the queue scenarios, the size of a check
// message.
var queueBody = map[string]any{
	"type": "run_completed", "server_run_id": "01934d2e-7a3b-7c4d-8e5f-a1b2c3d4e5f6",
	"final_event_at": "2026-12-04T12:00:00Z",
}

// queue measures queue.Send and queue.Read of ten plus DeleteBatch on a
// queue of its own, against the same pgmq calls raw through pgx.
func (r *runner) queue(ctx context.Context) error {
	pool := r.t.Pool
	if pool == nil {
		fmt.Fprintln(r.o.Out, "bench: no database: queue scenarios skipped")
		return nil
	}
	name := "bench_" + r.nonce
	if err := queue.Create(ctx, pool, name); err != nil {
		return err
	}
	defer func() {
		if err := queue.DropQueue(context.WithoutCancel(ctx), pool, name); err != nil {
			fmt.Fprintf(r.o.Out, "bench: drop queue %s: %v\n", name, err)
		}
	}()
	raw := mustJSON(queueBody)
	r.measure(ctx, "queue send", r.load(r.o.Requests), func(ctx context.Context, _ int) error {
		_, err := queue.Send(ctx, pool, name, queueBody)
		return err
	}, "pgmq.send raw through pgx", func(ctx context.Context, _ int) error {
		var id int64
		return pool.QueryRow(ctx, "SELECT * FROM pgmq.send($1, $2::jsonb)", name, raw).Scan(&id)
	})
	reads := r.load(max(1, r.o.Requests/10))
	// Both ways of reading find ten messages on every read, also when
	// measure rounds a phase up to one read.
	if err := fill(ctx, r, name, 10*measuredOps(reads)); err != nil {
		return err
	}
	r.measure(ctx, "queue read 10 + delete", reads, func(ctx context.Context, _ int) error {
		msgs, err := queue.Read(ctx, pool, name, time.Minute, 10)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			return fmt.Errorf("queue %s is empty", name)
		}
		ids := make([]int64, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		_, err = queue.DeleteBatch(ctx, pool, name, ids)
		return err
	}, "pgmq.read and pgmq.delete raw through pgx", func(ctx context.Context, _ int) error {
		return rawReadDelete(ctx, r, name)
	})
	return nil
}

func rawReadDelete(ctx context.Context, r *runner, name string) error {
	rows, err := r.t.Pool.Query(ctx,
		"SELECT msg_id, read_ct, enqueued_at, vt, message, headers FROM pgmq.read($1, 60, 10)", name)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var readCt int
		var enq, vt time.Time
		var msg, headers []byte
		if err := rows.Scan(&id, &readCt, &enq, &vt, &msg, &headers); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("queue %s is empty", name)
	}
	_, err = r.t.Pool.Exec(ctx, "SELECT * FROM pgmq.delete($1, $2::bigint[])", name, ids)
	return err
}

// fill sends n messages to the queue in batches of 100, untimed.
func fill(ctx context.Context, r *runner, name string, n int) error {
	for n > 0 {
		batch := make([]any, min(n, 100))
		for i := range batch {
			batch[i] = queueBody
		}
		if _, err := queue.SendBatch(ctx, r.t.Pool, name, batch, 0); err != nil {
			return fmt.Errorf("fill queue %s: %w", name, err)
		}
		n -= len(batch)
	}
	return nil
}
