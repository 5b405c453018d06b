package client

import (
	"context"
	"encoding/json"
	"fmt"
)

// Severity is a finding's severity: error, warning or note.
type Severity string

// Severities, from the most to the least severe.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Conclusions of a completed run.
const (
	ConclusionSuccess = "success"
	ConclusionFailure = "failure"
)

// Finding is one result in the native form.
type Finding struct {
	// PatternID is the id of the pattern or rule that matched. Required.
	PatternID string `json:"pattern_id"`
	// Path is the file, relative to the repository root. Without it the
	// finding is counted in the check's summary but not annotated.
	Path      string `json:"path,omitempty"`
	StartLine int    `json:"start_line,omitempty"`
	EndLine   int    `json:"end_line,omitempty"`
	// Severity is required.
	Severity Severity `json:"severity"`
	// Message is required.
	Message string `json:"message"`
	// Fingerprint identifies the finding across commits; empty lets the
	// server compute one from the pattern id, path and message.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// NativeResults is the native results object.
type NativeResults struct {
	Findings []Finding `json:"findings"`
	Summary  string    `json:"summary,omitempty"`
}

// Event is the body of POST /scanner/events.
type Event struct {
	ServerRunID string `json:"server_run_id"`
	// EventID makes retries safe: the server stores an event id once and
	// returns its first response, with Duplicate set, for a repeat.
	EventID string `json:"event_id,omitempty"`
	// Final is false on every event of a run but the last.
	Final bool `json:"final"`
	// Results is a native results object or a SARIF 2.1.0 log.
	Results json.RawMessage `json:"results"`
	// Metrics is a JSON object, stored when the org's telemetry is enabled.
	Metrics json.RawMessage `json:"metrics,omitempty"`
}

// EventResult is the response of POST /scanner/events.
type EventResult struct {
	Status string `json:"status"`
	// EventID is the server's id of the stored event.
	EventID string `json:"event_id"`
	// Duplicate is true when the event id was seen before and nothing was
	// stored.
	Duplicate      bool `json:"duplicate"`
	Final          bool `json:"final"`
	FindingsStored int  `json:"findings_stored"`
	MetricsStored  bool `json:"metrics_stored"`
	LearningQueued bool `json:"learning_queued"`
	// Conclusion is set by a final event: ConclusionFailure when a finding
	// of the run is at or above the org's fail_on severity.
	Conclusion string `json:"conclusion,omitempty"`
	// BlockingFindingIDs lists up to 1,000 of the blocking findings.
	BlockingFindingIDs []string `json:"blocking_finding_ids,omitempty"`
	// BlockingCount counts all blocking findings.
	BlockingCount int `json:"blocking_count"`
}

// PostEvent sends one event. Most scanners call Upload, which splits the
// results into events.
func (c *Client) PostEvent(ctx context.Context, event Event) (*EventResult, error) {
	if len(event.Results) == 0 {
		return nil, fmt.Errorf("event %q has no results: send a native results object or a SARIF log", event.EventID)
	}
	var result EventResult
	if _, err := c.postJSON(ctx, EventsPath, event, &result, nil); err != nil {
		return nil, err
	}
	return &result, nil
}
