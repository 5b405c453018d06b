package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// QueueInfo is one row of pgmq.list_queues.
type QueueInfo struct {
	Name          string
	IsPartitioned bool
	IsUnlogged    bool
	CreatedAt     time.Time
}

// Create creates the queue and its archive table. Creating a queue that
// exists does nothing.
func Create(ctx context.Context, db database.DBTX, queueName string) error {
	if _, err := db.Exec(ctx, "SELECT pgmq.create($1)", queueName); err != nil {
		return fmt.Errorf("create queue %s: %w", queueName, err)
	}
	return nil
}

// DropQueue removes the queue, its archive and every message in both.
func DropQueue(ctx context.Context, db database.DBTX, queueName string) error {
	if _, err := db.Exec(ctx, "SELECT pgmq.drop_queue($1)", queueName); err != nil {
		return fmt.Errorf("drop queue %s: %w", queueName, err)
	}
	return nil
}

// Purge deletes every message of the queue, leaving its archive, and
// returns how many it deleted.
func Purge(ctx context.Context, db database.DBTX, queueName string) (int64, error) {
	var n int64
	if err := db.QueryRow(ctx, "SELECT pgmq.purge_queue($1)", queueName).Scan(&n); err != nil {
		return 0, fmt.Errorf("purge queue %s: %w", queueName, err)
	}
	return n, nil
}

// ListQueues returns every queue of the database, ordered by name.
func ListQueues(ctx context.Context, db database.DBTX) ([]QueueInfo, error) {
	rows, err := db.Query(ctx,
		`SELECT queue_name, is_partitioned, is_unlogged, created_at
		   FROM pgmq.list_queues() ORDER BY queue_name`)
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	queues, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (QueueInfo, error) {
		var q QueueInfo
		err := row.Scan(&q.Name, &q.IsPartitioned, &q.IsUnlogged, &q.CreatedAt)
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	return queues, nil
}
