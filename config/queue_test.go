package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestQueueDefaultsValid(t *testing.T) {
	t.Parallel()
	var q QueueConfig
	q.defaults()
	require.NoError(t, q.validate())
}

func TestQueueValidateNamesKeys(t *testing.T) {
	t.Parallel()
	cases := []struct {
		change func(*QueueConfig)
		key    string
	}{
		{func(q *QueueConfig) { q.ChecksConcurrency = 0 }, "queue.checks_concurrency"},
		{func(q *QueueConfig) { q.MaxReads = 0 }, "queue.max_reads"},
		{func(q *QueueConfig) { q.VisibilityTimeout = 500 * time.Millisecond }, "queue.visibility_timeout"},
		{func(q *QueueConfig) { q.PollWait = 0 }, "queue.poll_wait"},
		{func(q *QueueConfig) { q.PollInterval = 0 }, "queue.poll_interval"},
		{func(q *QueueConfig) { q.RetryMaxDelay = time.Second }, "queue.retry_max_delay"},
		{func(q *QueueConfig) { q.RetentionBatchSize = -1 }, "queue.retention_batch_size"},
	}
	for _, c := range cases {
		var q QueueConfig
		q.defaults()
		c.change(&q)
		require.ErrorContains(t, q.validate(), c.key)
	}
}

func TestQueueEnvOverride(t *testing.T) {
	t.Parallel()
	c, err := load("", []string{"CENTRALCLOUD_QUEUE_MAX_READS=9", "CENTRALCLOUD_QUEUE_POLL_WAIT=2s"})
	require.NoError(t, err)
	require.Equal(t, 9, c.Queue.MaxReads)
	require.Equal(t, 2*time.Second, c.Queue.PollWait)
}
