// Package queue is CentralCloud's client for Postgres pgmq queues and the
// worker runner that consumes them.
package queue

// Names of the queues that migrations create.
const (
	// Learning carries final scanner events to fold into learning aggregates.
	Learning = "centralcloud_learning"
	// Checks carries Check Run work: create, move to in_progress, complete.
	Checks = "centralcloud_checks"
	// PatternsSync asks for a new pattern snapshot to be built.
	PatternsSync = "centralcloud_patterns_sync"
)
