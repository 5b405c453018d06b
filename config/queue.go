package config

// QueueConfig configures the pgmq workers.
type QueueConfig struct{}

func (q *QueueConfig) defaults() {}

func (q *QueueConfig) validate() error { return nil }
