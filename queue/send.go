package queue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/centralcloud/centralcloud/database"
)

// Send enqueues msg, encoded as JSON, on queueName through db. Passing a
// transaction makes the message part of it: it becomes visible only when
// the transaction commits.
func Send(ctx context.Context, db database.DBTX, queueName string, msg any) (int64, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("encode message for queue %s: %w", queueName, err)
	}
	var id int64
	if err := db.QueryRow(ctx, "SELECT * FROM pgmq.send($1, $2::jsonb)", queueName, body).Scan(&id); err != nil {
		return 0, fmt.Errorf("send to queue %s: %w", queueName, err)
	}
	return id, nil
}
