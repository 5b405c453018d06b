package fakegithub

import (
	"net/http"
	"strings"
	"time"
)

func (s *Server) createCheckRun(ex *exchange) reply {
	repo, rp, ok := s.authorizeRepository(ex, "checks", "write", docsCreateCheckRun)
	if !ok {
		return rp
	}
	var req checkRunRequest
	if rp, ok := s.decodeRequest(ex, &req, "CheckRun", docsCreateCheckRun); !ok {
		return rp
	}
	var v checkRunValidator
	v.validate(&req, nil)
	if len(v.errs) > 0 {
		return s.validationReply(docsCreateCheckRun, v.errs...)
	}
	run := &CheckRun{
		ID:             s.nextID(),
		CheckSuiteID:   s.checkSuiteLocked(repo, *req.HeadSHA),
		InstallationID: ex.installationID,
		RepositoryID:   repo.ID,
		Owner:          repo.Owner,
		Repo:           repo.Name,
		HeadSHA:        *req.HeadSHA,
		Status:         "queued",
		StartedAt:      ex.received,
		CreatedAt:      ex.received,
	}
	s.applyCheckRunRequest(run, &req, ex.received)
	s.checkRuns[run.ID] = run
	s.checkRunOrder = append(s.checkRunOrder, run.ID)
	sha := strings.ToLower(run.HeadSHA)
	s.checkRunsBySHA[sha] = append(s.checkRunsBySHA[sha], run.ID)
	return jsonReply(http.StatusCreated, s.renderCheckRun(run))
}

func (s *Server) updateCheckRun(ex *exchange) reply {
	run, rp, ok := s.findCheckRun(ex, "write", docsUpdateCheckRun)
	if !ok {
		return rp
	}
	var req checkRunRequest
	if rp, ok := s.decodeRequest(ex, &req, "CheckRun", docsUpdateCheckRun); !ok {
		return rp
	}
	req.HeadSHA = nil // head_sha cannot change
	var v checkRunValidator
	v.validate(&req, run)
	if len(v.errs) > 0 {
		return s.validationReply(docsUpdateCheckRun, v.errs...)
	}
	s.applyCheckRunRequest(run, &req, ex.received)
	run.Updates++
	return jsonReply(http.StatusOK, s.renderCheckRun(run))
}

func (s *Server) getCheckRun(ex *exchange) reply {
	run, rp, ok := s.findCheckRun(ex, "read", docsRoot)
	if !ok {
		return rp
	}
	return jsonReply(http.StatusOK, s.renderCheckRun(run))
}

// findCheckRun resolves {check_run_id} within the authorized repository.
func (s *Server) findCheckRun(ex *exchange, level, documentationURL string) (*CheckRun, reply, bool) {
	repo, rp, ok := s.authorizeRepository(ex, "checks", level, documentationURL)
	if !ok {
		return nil, rp, false
	}
	id, ok := pathInt64(ex, "check_run_id")
	run := s.checkRuns[id]
	if !ok || run == nil || run.RepositoryID != repo.ID {
		return nil, errorReply(http.StatusNotFound, "Not Found", documentationURL), false
	}
	return run, reply{}, true
}

// applyCheckRunRequest applies a validated create or update request.
// GitHub never reopens a completed run: a status of queued or in_progress
// sent to a completed run is ignored, while the other fields still apply.
func (s *Server) applyCheckRunRequest(run *CheckRun, req *checkRunRequest, now time.Time) {
	setString(&run.Name, req.Name)
	setString(&run.DetailsURL, req.DetailsURL)
	setString(&run.ExternalID, req.ExternalID)
	if req.StartedAt != nil {
		run.StartedAt = parseTime(*req.StartedAt)
	}
	if req.Status != nil && run.Status != "completed" {
		run.Status = *req.Status
	}
	if req.Conclusion != nil {
		// Sending a conclusion completes the run, whatever status the request sends.
		run.Status = "completed"
		run.Conclusion = *req.Conclusion
	}
	if run.Status == "completed" {
		switch {
		case req.CompletedAt != nil:
			run.CompletedAt = parseTime(*req.CompletedAt)
		case run.CompletedAt.IsZero():
			run.CompletedAt = now
		}
	}
	if req.Output != nil {
		applyOutput(run, req.Output)
	}
	if req.Actions != nil {
		run.Actions = run.Actions[:0]
		for _, a := range *req.Actions {
			run.Actions = append(run.Actions, Action{Label: *a.Label, Description: *a.Description, Identifier: *a.Identifier})
		}
	}
}

// applyOutput replaces the output text and appends the annotations, as
// GitHub does on every update.
func applyOutput(run *CheckRun, out *outputRequest) {
	setString(&run.Output.Title, out.Title)
	setString(&run.Output.Summary, out.Summary)
	setString(&run.Output.Text, out.Text)
	for _, a := range out.Annotations {
		run.Annotations = append(run.Annotations, Annotation{
			Path: *a.Path, StartLine: *a.StartLine, EndLine: *a.EndLine,
			StartColumn: intOrZero(a.StartColumn), EndColumn: intOrZero(a.EndColumn),
			Level: *a.AnnotationLevel, Title: stringOrEmpty(a.Title), Message: *a.Message,
			RawDetails: stringOrEmpty(a.RawDetails),
		})
	}
}

func setString(dst *string, value *string) {
	if value != nil {
		*dst = *value
	}
}

func stringOrEmpty(value *string) string {
	if value == nil {
		return ""
	}
	return *value
}

func intOrZero(value *int) int {
	if value == nil {
		return 0
	}
	return *value
}

// parseTime parses a timestamp that the validator accepted.
func parseTime(value string) time.Time {
	t, _ := time.Parse(time.RFC3339, value)
	return t.UTC()
}
