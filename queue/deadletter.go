package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// maxErrorLength bounds the error text stored with a dead letter, in
// bytes, so that a handler that returns a huge error cannot bloat the table.
const maxErrorLength = 4096

// ErrAlreadyRequeued means the dead letter was sent back to its queue
// before.
var ErrAlreadyRequeued = errors.New("dead letter was already requeued")

// ErrDeadLetterNotFound means no dead letter has the given id.
var ErrDeadLetterNotFound = errors.New("dead letter not found")

// DeadLetter is a message that a worker gave up on, with its last error.
// The message itself is also in the queue's pgmq archive table.
type DeadLetter struct {
	ID         uuid.UUID
	Queue      string
	MsgID      int64
	ReadCount  int
	EnqueuedAt time.Time
	Body       json.RawMessage
	Headers    json.RawMessage
	LastError  string
	DeadAt     time.Time
	// RequeuedAt and RequeuedMsgID are set once an operator sent the
	// message back to its queue.
	RequeuedAt    *time.Time
	RequeuedMsgID *int64
}

// DeadLetterFilter narrows ListDeadLetters. Zero fields do not filter.
type DeadLetterFilter struct {
	Queue string
	// IncludeRequeued lists dead letters that were sent back too.
	IncludeRequeued bool
	// Limit caps the number of rows; 0 means 1000.
	Limit int
}

// TxBeginner starts a transaction: a pool, a connection, or a transaction
// (which starts a savepoint).
type TxBeginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// deadLetter archives msg and records it with its last error. Run it in a
// transaction so that both happen or neither. It returns ErrMessageNotFound
// when the message left the queue meanwhile.
func deadLetter(ctx context.Context, tx database.DBTX, msg Message, lastError string) error {
	archived, err := Archive(ctx, tx, msg.Queue, msg.ID)
	if err != nil {
		return err
	}
	if !archived {
		return fmt.Errorf("dead-letter message %d of queue %s: %w", msg.ID, msg.Queue, ErrMessageNotFound)
	}
	lastError = truncateUTF8(lastError, maxErrorLength)
	_, err = tx.Exec(ctx,
		`INSERT INTO queue_dead_letters (queue_name, msg_id, read_ct, enqueued_at, message, headers, last_error)
		 VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		msg.Queue, msg.ID, msg.ReadCount, msg.EnqueuedAt, []byte(msg.Body), nullJSON(msg.Headers),
		lastError)
	if err != nil {
		return fmt.Errorf("record dead letter %d of queue %s: %w", msg.ID, msg.Queue, err)
	}
	return nil
}

// ListDeadLetters returns dead letters, oldest first.
func ListDeadLetters(ctx context.Context, db database.DBTX, f DeadLetterFilter) ([]DeadLetter, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := db.Query(ctx,
		`SELECT `+deadLetterColumns+`
		   FROM queue_dead_letters
		  WHERE ($1 = '' OR queue_name = $1) AND ($2 OR requeued_at IS NULL)
		  ORDER BY dead_at, id
		  LIMIT $3`,
		f.Queue, f.IncludeRequeued, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	letters, err := pgx.CollectRows(rows, scanDeadLetter)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	return letters, nil
}

const deadLetterColumns = `id, queue_name, msg_id, read_ct, enqueued_at, message, headers, last_error,
	dead_at, requeued_at, requeued_msg_id`

func scanDeadLetter(row pgx.CollectableRow) (DeadLetter, error) {
	var d DeadLetter
	var body, headers []byte
	err := row.Scan(&d.ID, &d.Queue, &d.MsgID, &d.ReadCount, &d.EnqueuedAt, &body, &headers,
		&d.LastError, &d.DeadAt, &d.RequeuedAt, &d.RequeuedMsgID)
	d.Body = body
	d.Headers = headers
	return d, err
}

// truncateUTF8 cuts s to at most n bytes without splitting a character,
// because Postgres rejects text that is not valid UTF-8.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// nullJSON turns an empty document into SQL NULL.
func nullJSON(doc json.RawMessage) []byte {
	if len(doc) == 0 {
		return nil
	}
	return doc
}

// CountDeadLetters returns the number of dead letters not yet requeued,
// by queue name. Queues without any are missing from the map.
func CountDeadLetters(ctx context.Context, db database.DBTX) (map[string]int64, error) {
	rows, err := db.Query(ctx,
		`SELECT queue_name, count(*) FROM queue_dead_letters WHERE requeued_at IS NULL GROUP BY queue_name`)
	if err != nil {
		return nil, fmt.Errorf("count dead letters: %w", err)
	}
	counts := make(map[string]int64)
	var name string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&name, &n}, func() error {
		counts[name] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count dead letters: %w", err)
	}
	return counts, nil
}
