package queue

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// Delete removes one message and reports whether it was still there.
func Delete(ctx context.Context, db database.DBTX, queueName string, msgID int64) (bool, error) {
	var deleted bool
	if err := db.QueryRow(ctx, "SELECT pgmq.delete($1, $2::bigint)", queueName, msgID).Scan(&deleted); err != nil {
		return false, fmt.Errorf("delete message %d from queue %s: %w", msgID, queueName, err)
	}
	return deleted, nil
}

// DeleteBatch removes the messages and returns the ids it found.
func DeleteBatch(ctx context.Context, db database.DBTX, queueName string, msgIDs []int64) ([]int64, error) {
	return idsQuery(ctx, db, "SELECT * FROM pgmq.delete($1, $2::bigint[])", "delete messages from", queueName, msgIDs)
}

// Archive moves one message to the queue's archive table and reports
// whether it was still in the queue.
func Archive(ctx context.Context, db database.DBTX, queueName string, msgID int64) (bool, error) {
	var archived bool
	if err := db.QueryRow(ctx, "SELECT pgmq.archive($1, $2::bigint)", queueName, msgID).Scan(&archived); err != nil {
		return false, fmt.Errorf("archive message %d of queue %s: %w", msgID, queueName, err)
	}
	return archived, nil
}

// ArchiveBatch moves the messages to the archive table and returns the ids
// it found.
func ArchiveBatch(ctx context.Context, db database.DBTX, queueName string, msgIDs []int64) ([]int64, error) {
	return idsQuery(ctx, db, "SELECT * FROM pgmq.archive($1, $2::bigint[])", "archive messages of", queueName, msgIDs)
}

// DeleteTx deletes msg through tx, normally the transaction in which a
// handler writes the message's effect, so that the effect and the
// acknowledgement commit together. It returns ErrMessageNotFound when
// another consumer already finished the message; the handler must then
// roll back so that the effect happens once. A Runner does not delete a
// message again after DeleteTx succeeded.
func DeleteTx(ctx context.Context, tx database.DBTX, msg Message) error {
	deleted, err := Delete(ctx, tx, msg.Queue, msg.ID)
	if err != nil {
		return err
	}
	if !deleted {
		return fmt.Errorf("delete message %d from queue %s: %w", msg.ID, msg.Queue, ErrMessageNotFound)
	}
	msg.markAcked()
	return nil
}

// ArchiveTx is DeleteTx that keeps the message in the queue's archive
// table.
func ArchiveTx(ctx context.Context, tx database.DBTX, msg Message) error {
	archived, err := Archive(ctx, tx, msg.Queue, msg.ID)
	if err != nil {
		return err
	}
	if !archived {
		return fmt.Errorf("archive message %d of queue %s: %w", msg.ID, msg.Queue, ErrMessageNotFound)
	}
	msg.markAcked()
	return nil
}

func idsQuery(ctx context.Context, db database.DBTX, sql, what, queueName string, msgIDs []int64) ([]int64, error) {
	rows, err := db.Query(ctx, sql, queueName, msgIDs)
	if err != nil {
		return nil, fmt.Errorf("%s queue %s: %w", what, queueName, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("%s queue %s: %w", what, queueName, err)
	}
	return ids, nil
}
