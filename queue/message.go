package queue

import (
	"encoding/json"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Message is one message read from a queue: a row of pgmq's message_record
// plus the queue it came from.
type Message struct {
	// Queue is the name of the queue the message was read from.
	Queue string
	// ID is pgmq's msg_id, unique within its queue only.
	ID int64
	// ReadCount is pgmq's read_ct: how many times the message has been
	// read, this read included. Pop does not count a read.
	ReadCount int
	// EnqueuedAt is when the message was sent.
	EnqueuedAt time.Time
	// VisibleAt is pgmq's vt: when the message becomes visible to readers
	// again unless it is deleted, archived or its vt is moved.
	VisibleAt time.Time
	// Body is the message as JSON.
	Body json.RawMessage
	// Headers is the JSON object sent with the message, or nil.
	Headers json.RawMessage

	// acked is set by DeleteTx and ArchiveTx so that the Runner does not
	// delete a message that its handler already finished.
	acked *atomic.Bool
}

// Decode unmarshals the message body into v.
func (m Message) Decode(v any) error {
	if err := json.Unmarshal(m.Body, v); err != nil {
		return fmt.Errorf("decode message %d of queue %s: %w", m.ID, m.Queue, err)
	}
	return nil
}

// markAcked records that the handler finished the message itself.
func (m Message) markAcked() {
	if m.acked != nil {
		m.acked.Store(true)
	}
}

// messageColumns lists message_record's columns in the order that
// scanMessages reads them.
const messageColumns = "msg_id, read_ct, enqueued_at, vt, message, headers"

// scanMessages collects rows of pgmq.message_record from rows.
func scanMessages(queueName string, rows pgx.Rows) ([]Message, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Message, error) {
		m := Message{Queue: queueName}
		var body, headers []byte
		err := row.Scan(&m.ID, &m.ReadCount, &m.EnqueuedAt, &m.VisibleAt, &body, &headers)
		m.Body = body
		m.Headers = headers
		return m, err
	})
}

// seconds converts d to the whole seconds that pgmq's vt and delay
// arguments take, rounding up so that a timeout is never shortened.
func seconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	s := math.Ceil(d.Seconds())
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(s)
}
