package queue_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/queue"
)

func TestMigrationCreatesQueues(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	ctx := context.Background()

	rows, err := pool.Query(ctx, "SELECT queue_name FROM pgmq.list_queues()")
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		names = append(names, name)
	}
	require.NoError(t, rows.Err())
	require.Subset(t, names, []string{queue.Learning, queue.Checks, queue.PatternsSync})
}
