package config

import (
	"errors"
	"fmt"
	"time"
)

// QueueConfig configures the pgmq workers of run and worker, and the
// retention job that runs beside them.
type QueueConfig struct {
	// LearningConcurrency, ChecksConcurrency and PatternsSyncConcurrency
	// are the numbers of messages of each queue that one process handles at
	// once.
	LearningConcurrency     int `yaml:"learning_concurrency"`
	ChecksConcurrency       int `yaml:"checks_concurrency"`
	PatternsSyncConcurrency int `yaml:"patterns_sync_concurrency"`
	// VisibilityTimeout hides a message from other workers while its
	// handler runs; workers extend it while the handler is running.
	VisibilityTimeout time.Duration `yaml:"visibility_timeout"`
	// HandlerTimeout cancels a handler that runs longer.
	HandlerTimeout time.Duration `yaml:"handler_timeout"`
	// MaxReads is the number of reads after which a failing message becomes
	// a dead letter.
	MaxReads int `yaml:"max_reads"`
	// RetryBaseDelay and RetryMaxDelay bound the exponential backoff
	// between two reads of a failing message.
	RetryBaseDelay time.Duration `yaml:"retry_base_delay"`
	RetryMaxDelay  time.Duration `yaml:"retry_max_delay"`
	// PollWait and PollInterval shape the wait for messages on an empty
	// queue: one read waits up to PollWait inside Postgres, reading again
	// every PollInterval.
	PollWait     time.Duration `yaml:"poll_wait"`
	PollInterval time.Duration `yaml:"poll_interval"`
	// ShutdownGrace is how long handlers in hand may finish after SIGTERM.
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
	// RetentionInterval is the time between two retention sweeps, and
	// RetentionBatchSize the rows that one delete of a sweep removes.
	RetentionInterval  time.Duration `yaml:"retention_interval"`
	RetentionBatchSize int           `yaml:"retention_batch_size"`
}

func (q *QueueConfig) defaults() {
	q.LearningConcurrency = 2
	q.ChecksConcurrency = 4
	q.PatternsSyncConcurrency = 1
	q.VisibilityTimeout = 30 * time.Second
	q.HandlerTimeout = 5 * time.Minute
	q.MaxReads = 5
	q.RetryBaseDelay = 5 * time.Second
	q.RetryMaxDelay = 15 * time.Minute
	q.PollWait = 5 * time.Second
	q.PollInterval = 250 * time.Millisecond
	q.ShutdownGrace = 30 * time.Second
	q.RetentionInterval = time.Hour
	q.RetentionBatchSize = 1000
}

func (q *QueueConfig) validate() error {
	var errs []error
	for key, n := range map[string]int{
		"queue.learning_concurrency": q.LearningConcurrency, "queue.checks_concurrency": q.ChecksConcurrency,
		"queue.patterns_sync_concurrency": q.PatternsSyncConcurrency, "queue.max_reads": q.MaxReads,
		"queue.retention_batch_size": q.RetentionBatchSize,
	} {
		if n < 1 {
			errs = append(errs, fmt.Errorf("%s %d is below 1: use 1 or more", key, n))
		}
	}
	for key, d := range map[string]time.Duration{
		"queue.handler_timeout": q.HandlerTimeout, "queue.retry_base_delay": q.RetryBaseDelay,
		"queue.retry_max_delay": q.RetryMaxDelay, "queue.poll_interval": q.PollInterval,
		"queue.shutdown_grace": q.ShutdownGrace, "queue.retention_interval": q.RetentionInterval,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, e.g. 30s", key))
		}
	}
	// pgmq counts visibility timeouts and poll waits in whole seconds.
	if q.VisibilityTimeout < time.Second {
		errs = append(errs, fmt.Errorf("queue.visibility_timeout %s is below 1s: use e.g. 30s", q.VisibilityTimeout))
	}
	if q.PollWait < time.Second {
		errs = append(errs, fmt.Errorf("queue.poll_wait %s is below 1s: use e.g. 5s", q.PollWait))
	}
	if q.RetryMaxDelay < q.RetryBaseDelay {
		errs = append(errs, fmt.Errorf("queue.retry_max_delay %s is below queue.retry_base_delay %s: raise it",
			q.RetryMaxDelay, q.RetryBaseDelay))
	}
	return errors.Join(errs...)
}
