package client

import (
	"context"
	"net/http"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// Repository names a GitHub repository.
type Repository struct {
	Owner string `json:"owner"`
	Name  string `json:"name"`
}

// Scanner identifies the tool that produced the results.
type Scanner struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// RunRequest is the body of POST /scanner/runs.
type RunRequest struct {
	// LocalRunID is the scanner's own id for the run, 1 to 128 printable
	// characters. Registering it again returns the same server run, so a
	// retried CI job reuses its run.
	LocalRunID string     `json:"local_run_id"`
	Repo       Repository `json:"repo"`
	// Commit is the full 40- or 64-character hex object id.
	Commit string `json:"commit"`
	// ETag is the patterns_etag of the snapshot the scanner has. Empty
	// means the ETag of the Client's last verified snapshot, if any.
	ETag string `json:"etag,omitempty"`
	// Ref is the Git ref scanned, such as "refs/pull/7/head".
	Ref string `json:"ref,omitempty"`
	// PullRequest is the pull request number, or zero.
	PullRequest int      `json:"pull_request,omitempty"`
	Scanner     *Scanner `json:"scanner,omitempty"`
}

// Run is the response of POST /scanner/runs.
type Run struct {
	ServerRunID string `json:"server_run_id"`
	// PatternsETag is the bare SHA-256 hex digest of the current snapshot.
	PatternsETag string `json:"patterns_etag"`
	// PatternsChanged is false when the request's ETag is current.
	PatternsChanged bool       `json:"patterns_changed"`
	Policies        Policies   `json:"policies"`
	Enterprise      Enterprise `json:"enterprise"`
	// Snapshot is the new snapshot sealed to the client key, present when
	// the patterns changed and the server serves snapshots.
	Snapshot *wire.Inline `json:"snapshot,omitempty"`
	// Created is true when this call registered the run (201 Created) and
	// false when the run already existed (200 OK).
	Created bool `json:"-"`
}

// Policies are the org's policies that apply to the run.
type Policies struct {
	// TelemetryEnabled is true when the metrics of events are stored.
	TelemetryEnabled bool `json:"telemetry_enabled"`
	// LearningEnabled is true when results feed the shared learning.
	LearningEnabled bool `json:"learning_enabled"`
	// FailOn is the lowest severity that blocks: error, warning or note.
	FailOn Severity `json:"fail_on"`
}

// Enterprise holds the org's enterprise settings.
type Enterprise struct {
	// RetentionDays is how long results are kept; nil keeps them.
	RetentionDays *int `json:"retention_days"`
}

// RegisterRun registers a scanner run, or returns the run already
// registered under req.LocalRunID. A LocalRunID registered for another
// commit returns an *APIError with status 409.
func (c *Client) RegisterRun(ctx context.Context, req RunRequest) (*Run, error) {
	if req.ETag == "" {
		req.ETag = c.snapshots.ETag()
	}
	header := http.Header{}
	header.Set(wire.HeaderClientKey, c.snapshots.ClientKey())
	var run Run
	status, err := c.postJSON(ctx, RunsPath, req, &run, header)
	if err != nil {
		return nil, err
	}
	run.Created = status == http.StatusCreated
	return &run, nil
}
