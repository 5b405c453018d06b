package scannerapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/internal/problem"
	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/scannerapi/results"
	"github.com/centralcloud/centralcloud/store"
)

// maxBlockingIDs caps the finding ids listed in a final event's response;
// blocking_count always has the full number.
const maxBlockingIDs = 1000

// maxMetricsBytes caps the metrics object of one event.
const maxMetricsBytes = 64 << 10

type eventRequest struct {
	ServerRunID *string         `json:"server_run_id"`
	EventID     *string         `json:"event_id"`
	Final       *bool           `json:"final"`
	Results     json.RawMessage `json:"results"`
	Metrics     json.RawMessage `json:"metrics"`
}

type eventResponse struct {
	Status         string `json:"status"`
	EventID        string `json:"event_id"`
	Duplicate      bool   `json:"duplicate"`
	Final          bool   `json:"final"`
	FindingsStored int    `json:"findings_stored"`
	MetricsStored  bool   `json:"metrics_stored"`
	LearningQueued bool   `json:"learning_queued"`
	// Conclusion and the blocking findings are set on a final event.
	Conclusion         string      `json:"conclusion,omitempty"`
	BlockingFindingIDs []uuid.UUID `json:"blocking_finding_ids,omitempty"`
	BlockingCount      *int        `json:"blocking_count,omitempty"`
}

// validEvent is an eventRequest after validation and parsing.
type validEvent struct {
	runID   uuid.UUID
	eventID *string
	final   bool
	results *results.Results
	metrics json.RawMessage
}

func (a *API) validateEvent(req *eventRequest) (*validEvent, *problem.Details) {
	v := &validEvent{final: true}
	if req.ServerRunID == nil {
		return nil, missing("server_run_id")
	}
	id, err := uuid.Parse(*req.ServerRunID)
	if err != nil {
		return nil, problem.InvalidField("server_run_id", fmt.Sprintf("%q is not a UUID: send the server_run_id that POST /scanner/runs returned", truncate(*req.ServerRunID, 80)))
	}
	v.runID = id
	if req.EventID != nil {
		if d := validateText("event_id", *req.EventID, 1, 128); d != nil {
			return nil, d
		}
		v.eventID = req.EventID
	}
	if req.Final != nil {
		v.final = *req.Final
	}
	if len(req.Results) == 0 || bytes.Equal(req.Results, []byte("null")) {
		return nil, missing("results")
	}
	parsed, err := results.Parse(req.Results, results.Limits{MaxFindings: a.opts.MaxFindings})
	if err != nil {
		var fe *results.FieldError
		if errors.As(err, &fe) {
			return nil, problem.InvalidField(fe.Field, fe.Detail)
		}
		return nil, problem.InvalidField("results", err.Error())
	}
	v.results = parsed
	if d := validateMetrics(req.Metrics); d != nil {
		return nil, d
	}
	if len(req.Metrics) > 0 && !bytes.Equal(req.Metrics, []byte("null")) {
		v.metrics = req.Metrics
	}
	return v, nil
}

func validateMetrics(raw json.RawMessage) *problem.Details {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if len(raw) > maxMetricsBytes {
		return problem.InvalidField("metrics", fmt.Sprintf("metrics has %d bytes: send at most %d", len(raw), maxMetricsBytes))
	}
	if trimmed := bytes.TrimSpace(raw); len(trimmed) == 0 || trimmed[0] != '{' {
		return problem.InvalidField("metrics", "metrics must be a JSON object")
	}
	return nil
}

func (a *API) postEvent(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	var req eventRequest
	if d := decodeJSON(r, &req); d != nil {
		problem.Write(w, d)
		return
	}
	v, d := a.validateEvent(&req)
	if d != nil {
		problem.Write(w, d)
		return
	}
	// The request's logger is updated in place, so the access log line
	// carries the run too.
	logger := zerolog.Ctx(r.Context())
	logger.UpdateContext(func(c zerolog.Context) zerolog.Context {
		return c.Str(logkey.ServerRunID, v.runID.String())
	})
	ctx := r.Context()
	var resp *eventResponse
	err := pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		var err error
		resp, d, err = a.storeEvent(r, tx, p, v)
		return err
	})
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	if d != nil {
		problem.Write(w, d)
		return
	}
	a.metrics.events.WithLabelValues(v.results.Format, fmt.Sprint(v.final)).Inc()
	a.metrics.findings.Add(float64(resp.FindingsStored))
	logger.Info().Str(logkey.ScannerEventID, resp.EventID).Bool(logkey.Final, resp.Final).Bool(logkey.Duplicate, resp.Duplicate).
		Int("findings", resp.FindingsStored).Msg("event stored")
	writeJSON(w, http.StatusOK, resp)
}

// storeEvent applies one event under a lock on its run, so a run's events
// are applied one at a time across replicas. A returned problem rolls the
// transaction back as well, because nothing was written before it.
func (a *API) storeEvent(r *http.Request, tx pgx.Tx, p *Principal, v *validEvent) (*eventResponse, *problem.Details, error) {
	ctx := r.Context()
	run, err := store.LockRunForOrg(ctx, tx, v.runID, p.Org.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, runNotFound(v.runID), nil
	}
	if err != nil {
		return nil, nil, err
	}
	if d, err := a.checkRunScope(r, tx, p, run); d != nil || err != nil {
		return nil, d, err
	}
	if v.eventID != nil {
		prior, err := store.EventByClientID(ctx, tx, run.ID, *v.eventID)
		if err == nil {
			resp, err := a.replayResponse(r, tx, p, prior)
			return resp, nil, err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
	}
	if run.Status == "completed" {
		return nil, problem.New(http.StatusConflict, "run-completed",
			fmt.Sprintf("run %s already received its final event: register a new run to post more results", run.ID)), nil
	}
	policy, err := store.EffectivePolicy(ctx, tx, p.Org.ID, a.opts.Policies)
	if err != nil {
		return nil, nil, err
	}
	resp, err := a.insertEvent(r, tx, p, run, v, policy)
	return resp, nil, err
}

func runNotFound(id uuid.UUID) *problem.Details {
	d := problem.NotFound(fmt.Sprintf("no run %s exists for this token: send the server_run_id that POST /scanner/runs returned to this token", id))
	d.Field = "server_run_id"
	return d
}

// checkRunScope limits installation tokens to runs of their repositories,
// responding 404 as for a run that does not exist.
func (a *API) checkRunScope(r *http.Request, tx pgx.Tx, p *Principal, run store.Run) (*problem.Details, error) {
	if p.Kind != KindInstallationToken {
		return nil, nil
	}
	repo, err := store.RepositoryOfRun(r.Context(), tx, run.ID)
	if err != nil {
		return nil, err
	}
	if _, ok := p.repositoryAllowed(repo.Owner, repo.Name); !ok {
		return runNotFound(run.ID), nil
	}
	return nil, nil
}

func (a *API) insertEvent(r *http.Request, tx pgx.Tx, p *Principal, run store.Run, v *validEvent, policy store.Policy) (*eventResponse, error) {
	ctx := r.Context()
	metricsStored := policy.TelemetryEnabled && v.metrics != nil
	learningQueued := v.final && policy.LearningEnabled
	metrics := v.metrics
	if !metricsStored {
		metrics = nil
	}
	event, err := store.InsertEvent(ctx, tx, store.Event{
		RunID: run.ID, OrgID: p.Org.ID, ClientEventID: v.eventID, Final: v.final,
		ResultsFormat: v.results.Format, Summary: v.results.Summary,
		MetricsStored: metricsStored, LearningQueued: learningQueued,
	}, metrics, findingRows(v.results.Findings))
	if err != nil {
		return nil, err
	}
	if err := a.auditPolicyDecisions(r, tx, p, run, v, policy); err != nil {
		return nil, err
	}
	resp := &eventResponse{
		Status: "ok", EventID: event.ID.String(), Final: v.final, FindingsStored: event.FindingCount,
		MetricsStored: metricsStored, LearningQueued: learningQueued,
	}
	if !v.final {
		return resp, nil
	}
	if err := a.completeRun(r, tx, run, event, policy, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// completeRun decides the run's conclusion and queues the check and, when
// the policy allows, learning, in the event's transaction.
func (a *API) completeRun(r *http.Request, tx pgx.Tx, run store.Run, event store.Event, policy store.Policy, resp *eventResponse) error {
	ctx := r.Context()
	if err := a.fillConclusion(r, tx, run.ID, policy.FailOn, resp); err != nil {
		return err
	}
	if err := store.CompleteRun(ctx, tx, run.ID, resp.Conclusion); err != nil {
		return err
	}
	_, err := queue.Send(ctx, tx, queue.Checks, queue.CheckMessage{
		Type: queue.CheckRunCompleted, ServerRunID: run.ID, FinalEventAt: time.Now().UnixMilli(),
	})
	if err != nil || !resp.LearningQueued {
		return err
	}
	_, err = queue.Send(ctx, tx, queue.Learning, queue.LearningMessage{ServerRunID: run.ID, EventID: event.ID})
	return err
}

func (a *API) fillConclusion(r *http.Request, tx pgx.Tx, runID uuid.UUID, failOn string, resp *eventResponse) error {
	ids, total, err := store.BlockingFindings(r.Context(), tx, runID, failOn, maxBlockingIDs)
	if err != nil {
		return err
	}
	resp.Conclusion = "success"
	if total > 0 {
		resp.Conclusion = "failure"
	}
	resp.BlockingFindingIDs = ids
	resp.BlockingCount = &total
	return nil
}

// replayResponse builds the response to a retried event from what the
// first attempt stored.
func (a *API) replayResponse(r *http.Request, tx pgx.Tx, p *Principal, prior store.Event) (*eventResponse, error) {
	resp := &eventResponse{
		Status: "ok", EventID: prior.ID.String(), Duplicate: true, Final: prior.Final,
		FindingsStored: prior.FindingCount, MetricsStored: prior.MetricsStored, LearningQueued: prior.LearningQueued,
	}
	if !prior.Final {
		return resp, nil
	}
	policy, err := store.EffectivePolicy(r.Context(), tx, p.Org.ID, a.opts.Policies)
	if err != nil {
		return nil, err
	}
	return resp, a.fillConclusion(r, tx, prior.RunID, policy.FailOn, resp)
}

func (a *API) auditPolicyDecisions(r *http.Request, tx pgx.Tx, p *Principal, run store.Run, v *validEvent, policy store.Policy) error {
	actor := "scanner:" + p.Kind
	if v.metrics != nil && !policy.TelemetryEnabled {
		err := store.InsertAudit(r.Context(), tx, store.AuditEvent{
			OrgID: &p.Org.ID, Actor: actor, Action: store.AuditTelemetryDropped, ServerRunID: &run.ID,
			Reason: "telemetry_enabled is false for the org, so the event's metrics were not stored",
		})
		if err != nil {
			return err
		}
	}
	if v.final && !policy.LearningEnabled {
		return store.InsertAudit(r.Context(), tx, store.AuditEvent{
			OrgID: &p.Org.ID, Actor: actor, Action: store.AuditLearningSkipped, ServerRunID: &run.ID,
			Reason: "learning_enabled is false for the org, so nothing was queued for learning",
		})
	}
	return nil
}

func findingRows(findings []results.Finding) []store.FindingRow {
	rows := make([]store.FindingRow, len(findings))
	for i := range findings {
		f := &findings[i]
		row := store.FindingRow{
			PatternID: f.PatternID, Severity: string(f.Severity), Message: f.Message,
			Fingerprint: f.Fingerprint, Kind: f.Kind, Suppressed: f.Suppressed,
		}
		if f.Path != "" {
			row.Path = &f.Path
		}
		if f.StartLine > 0 {
			row.StartLine, row.EndLine = &f.StartLine, &f.EndLine
		}
		if f.Language != "" {
			row.Language = &f.Language
		}
		rows[i] = row
	}
	return rows
}
