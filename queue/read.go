package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// ErrMessageNotFound means the message is no longer in its queue: it was
// deleted or archived, possibly by another consumer that read it after its
// visibility timeout passed.
var ErrMessageNotFound = errors.New("message not found in queue")

// PollOptions bounds ReadWithPoll's wait.
type PollOptions struct {
	// MaxWait is how long to wait for a message, rounded up to whole
	// seconds. The wait holds one database connection throughout.
	MaxWait time.Duration
	// Interval is the pause between two reads inside the database.
	Interval time.Duration
}

// Read takes up to qty visible messages, oldest first, and hides them from
// other readers for vt (rounded up to whole seconds, at least one).
// It returns an empty slice when no message is visible.
func Read(ctx context.Context, db database.DBTX, queueName string, vt time.Duration, qty int) ([]Message, error) {
	rows, err := db.Query(ctx, "SELECT "+messageColumns+" FROM pgmq.read($1, $2::integer, $3::integer)",
		queueName, max(seconds(vt), 1), qty)
	if err != nil {
		return nil, fmt.Errorf("read queue %s: %w", queueName, err)
	}
	return collectRead(queueName, rows)
}

// ReadWithPoll is Read that waits up to poll.MaxWait for a message when
// none is visible, reading again every poll.Interval inside the database.
// Cancelling ctx cancels the wait.
func ReadWithPoll(ctx context.Context, db database.DBTX, queueName string, vt time.Duration, qty int,
	poll PollOptions) ([]Message, error) {
	rows, err := db.Query(ctx,
		"SELECT "+messageColumns+" FROM pgmq.read_with_poll($1, $2::integer, $3::integer, $4::integer, $5::integer)",
		queueName, max(seconds(vt), 1), qty, max(seconds(poll.MaxWait), 1),
		max(int(poll.Interval/time.Millisecond), 1))
	if err != nil {
		return nil, fmt.Errorf("read queue %s: %w", queueName, err)
	}
	return collectRead(queueName, rows)
}

// Pop deletes and returns the oldest visible message without counting a
// read, or ErrMessageNotFound when none is visible. A handler that fails on
// a popped message cannot retry it: use Read for work that must not be lost.
func Pop(ctx context.Context, db database.DBTX, queueName string) (Message, error) {
	rows, err := db.Query(ctx, "SELECT "+messageColumns+" FROM pgmq.pop($1)", queueName)
	if err != nil {
		return Message{}, fmt.Errorf("pop queue %s: %w", queueName, err)
	}
	msgs, err := scanMessages(queueName, rows)
	if err != nil {
		return Message{}, fmt.Errorf("pop queue %s: %w", queueName, err)
	}
	if len(msgs) == 0 {
		return Message{}, ErrMessageNotFound
	}
	return msgs[0], nil
}

// SetVisibilityTimeout makes the message visible vt from now (rounded up to
// whole seconds; 0 makes it visible at once) and returns it as it is now.
// It returns ErrMessageNotFound when the message is gone.
func SetVisibilityTimeout(ctx context.Context, db database.DBTX, queueName string, msgID int64,
	vt time.Duration) (Message, error) {
	rows, err := db.Query(ctx, "SELECT "+messageColumns+" FROM pgmq.set_vt($1, $2::bigint, $3::integer)",
		queueName, msgID, seconds(vt))
	if err != nil {
		return Message{}, fmt.Errorf("set visibility timeout of message %d in queue %s: %w", msgID, queueName, err)
	}
	msgs, err := scanMessages(queueName, rows)
	if err != nil {
		return Message{}, fmt.Errorf("set visibility timeout of message %d in queue %s: %w", msgID, queueName, err)
	}
	if len(msgs) == 0 {
		return Message{}, fmt.Errorf("set visibility timeout of message %d in queue %s: %w",
			msgID, queueName, ErrMessageNotFound)
	}
	return msgs[0], nil
}

// collectRead scans read results, oldest first, and gives each message the
// flag that DeleteTx and ArchiveTx set.
func collectRead(queueName string, rows pgx.Rows) ([]Message, error) {
	msgs, err := scanMessages(queueName, rows)
	if err != nil {
		return nil, fmt.Errorf("read queue %s: %w", queueName, err)
	}
	// pgmq returns the rows of one read in no particular order.
	slices.SortFunc(msgs, func(a, b Message) int { return cmp.Compare(a.ID, b.ID) })
	for i := range msgs {
		msgs[i].acked = new(atomic.Bool)
	}
	return msgs, nil
}
