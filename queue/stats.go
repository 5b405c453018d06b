package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// Stats is one row of pgmq.metrics_result.
type Stats struct {
	Queue string
	// Length counts every message in the queue, hidden or visible.
	Length int64
	// VisibleLength counts the messages that a read would take now.
	VisibleLength int64
	// NewestAge and OldestAge are the ages of the newest and oldest
	// message in whole seconds, from enqueued_at; zero when the queue is
	// empty.
	NewestAge time.Duration
	OldestAge time.Duration
	// TotalMessages counts the msg_ids ever handed out by the queue. Sends
	// that rolled back count too.
	TotalMessages int64
	ScrapedAt     time.Time
}

const statsColumns = `queue_name, queue_length, queue_visible_length, newest_msg_age_sec,
	oldest_msg_age_sec, total_messages, scrape_time`

// Metrics returns pgmq.metrics for one queue.
func Metrics(ctx context.Context, db database.DBTX, queueName string) (Stats, error) {
	rows, err := db.Query(ctx, "SELECT "+statsColumns+" FROM pgmq.metrics($1)", queueName)
	if err != nil {
		return Stats{}, fmt.Errorf("read metrics of queue %s: %w", queueName, err)
	}
	stats, err := pgx.CollectExactlyOneRow(rows, scanStats)
	if err != nil {
		return Stats{}, fmt.Errorf("read metrics of queue %s: %w", queueName, err)
	}
	return stats, nil
}

// MetricsAll returns pgmq.metrics for every queue, ordered by name.
func MetricsAll(ctx context.Context, db database.DBTX) ([]Stats, error) {
	rows, err := db.Query(ctx, "SELECT "+statsColumns+" FROM pgmq.metrics_all() ORDER BY queue_name")
	if err != nil {
		return nil, fmt.Errorf("read queue metrics: %w", err)
	}
	all, err := pgx.CollectRows(rows, scanStats)
	if err != nil {
		return nil, fmt.Errorf("read queue metrics: %w", err)
	}
	return all, nil
}

func scanStats(row pgx.CollectableRow) (Stats, error) {
	var s Stats
	var newest, oldest *int32
	err := row.Scan(&s.Queue, &s.Length, &s.VisibleLength, &newest, &oldest, &s.TotalMessages, &s.ScrapedAt)
	if newest != nil {
		s.NewestAge = time.Duration(*newest) * time.Second
	}
	if oldest != nil {
		s.OldestAge = time.Duration(*oldest) * time.Second
	}
	return s, err
}
