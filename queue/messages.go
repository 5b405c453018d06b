package queue

import "github.com/google/uuid"

// CheckMessageType names what a message on the Checks queue asks for.
type CheckMessageType string

// Check message types sent by the scanner API. The GitHub App package adds
// its own types for webhook-triggered work.
const (
	// CheckRunRegistered moves the commit's Check Run to in_progress,
	// creating it when no webhook did.
	CheckRunRegistered CheckMessageType = "run_registered"
	// CheckRunCompleted completes the commit's Check Run from the run's
	// findings.
	CheckRunCompleted CheckMessageType = "run_completed"
)

// CheckMessage is the body of a message on the Checks queue.
type CheckMessage struct {
	Type        CheckMessageType `json:"type"`
	ServerRunID uuid.UUID        `json:"server_run_id,omitempty"`
	// FinalEventAt is when the final event was accepted, in Unix
	// milliseconds, so the publish latency can be measured.
	FinalEventAt int64 `json:"final_event_at,omitempty"`
}

// LearningMessage is the body of a message on the Learning queue. It names
// the run and its final event; the learning handler reads the findings and
// keeps only anonymised facts.
type LearningMessage struct {
	ServerRunID uuid.UUID `json:"server_run_id"`
	EventID     uuid.UUID `json:"event_id"`
}
