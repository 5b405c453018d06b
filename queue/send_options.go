package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// SendOptions are the optional parts of SendWith.
type SendOptions struct {
	// Delay keeps the message invisible for this long after the send,
	// rounded up to whole seconds because pgmq counts delay in seconds.
	Delay time.Duration
	// Headers, when not nil, is encoded as a JSON object into the
	// message's headers column.
	Headers any
}

// SendWith enqueues msg like Send, with a delay and headers. Passing a
// transaction as db makes the message part of it.
func SendWith(ctx context.Context, db database.DBTX, queueName string, msg any, opts SendOptions) (int64, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("encode message for queue %s: %w", queueName, err)
	}
	var headers []byte
	if opts.Headers != nil {
		if headers, err = json.Marshal(opts.Headers); err != nil {
			return 0, fmt.Errorf("encode headers for queue %s: %w", queueName, err)
		}
	}
	var id int64
	err = db.QueryRow(ctx, "SELECT * FROM pgmq.send($1, $2::jsonb, $3::jsonb, $4::integer)",
		queueName, body, headers, seconds(opts.Delay)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("send to queue %s: %w", queueName, err)
	}
	return id, nil
}

// SendBatch enqueues every message of msgs in one statement, each encoded
// as JSON, hidden for delay (0: visible at commit). It returns the new ids
// in the order of msgs.
func SendBatch(ctx context.Context, db database.DBTX, queueName string, msgs []any, delay time.Duration) ([]int64, error) {
	bodies := make([]string, len(msgs))
	for i, msg := range msgs {
		body, err := json.Marshal(msg)
		if err != nil {
			return nil, fmt.Errorf("encode message %d for queue %s: %w", i, queueName, err)
		}
		bodies[i] = string(body)
	}
	rows, err := db.Query(ctx, "SELECT * FROM pgmq.send_batch($1, $2::jsonb[], $3::integer)",
		queueName, bodies, seconds(delay))
	if err != nil {
		return nil, fmt.Errorf("send batch to queue %s: %w", queueName, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("send batch to queue %s: %w", queueName, err)
	}
	return ids, nil
}
