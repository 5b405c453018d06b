package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Requeue sends the dead letter's message back to its queue as a new
// message, with its headers and a read count of zero, and marks the dead
// letter as requeued. It returns the new msg_id. A dead letter is requeued
// at most once: a second call returns ErrAlreadyRequeued.
func Requeue(ctx context.Context, db TxBeginner, id uuid.UUID) (int64, error) {
	var msgID int64
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		msgID, err = requeueTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("requeue dead letter %s: %w", id, err)
	}
	return msgID, nil
}

// RequeueAll requeues every dead letter of queueName that was not requeued
// yet, in one transaction, and returns how many it sent back.
func RequeueAll(ctx context.Context, db TxBeginner, queueName string) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx,
			`SELECT id FROM queue_dead_letters
			  WHERE queue_name = $1 AND requeued_at IS NULL
			  ORDER BY dead_at, id`, queueName)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := requeueTx(ctx, tx, id); err != nil {
				return fmt.Errorf("dead letter %s: %w", id, err)
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("requeue dead letters of queue %s: %w", queueName, err)
	}
	return n, nil
}

func requeueTx(ctx context.Context, tx pgx.Tx, id uuid.UUID) (int64, error) {
	var queueName string
	var body, headers []byte
	var requeued bool
	err := tx.QueryRow(ctx,
		`SELECT queue_name, message, headers, requeued_at IS NOT NULL
		   FROM queue_dead_letters WHERE id = $1 FOR UPDATE`, id).
		Scan(&queueName, &body, &headers, &requeued)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrDeadLetterNotFound
	}
	if err != nil {
		return 0, err
	}
	if requeued {
		return 0, ErrAlreadyRequeued
	}
	var msgID int64
	err = tx.QueryRow(ctx, "SELECT * FROM pgmq.send($1, $2::jsonb, $3::jsonb, 0)", queueName, body, headers).
		Scan(&msgID)
	if err != nil {
		return 0, fmt.Errorf("send to queue %s: %w", queueName, err)
	}
	_, err = tx.Exec(ctx,
		`UPDATE queue_dead_letters SET requeued_at = now(), requeued_msg_id = $2 WHERE id = $1`, id, msgID)
	return msgID, err
}
