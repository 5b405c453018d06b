package fakegithub

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"
)

// Limits of the Checks API, from GitHub's REST documentation for creating and
// updating check runs.
const (
	maxAnnotationsPerRequest = 50
	maxOutputCharacters      = 65535 // output.summary and output.text
	maxAnnotationBytes       = 64 * 1024
	maxAnnotationTitle       = 255
	maxActions               = 3
	maxActionLabel           = 20
	maxActionDescription     = 40
	maxActionIdentifier      = 20
)

var (
	checkRunStatuses    = []string{"queued", "in_progress", "completed"}
	actionsOnlyStatuses = []string{"waiting", "requested", "pending"}
	checkRunConclusions = []string{
		"action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out",
	}
	annotationLevels = []string{"notice", "warning", "failure"}
	commitSHA        = regexp.MustCompile(`^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`)
)

// checkRunRequest is the body of a check-run create or update. Pointers tell
// a missing field from an empty one.
type checkRunRequest struct {
	Name        *string          `json:"name"`
	HeadSHA     *string          `json:"head_sha"`
	DetailsURL  *string          `json:"details_url"`
	ExternalID  *string          `json:"external_id"`
	Status      *string          `json:"status"`
	Conclusion  *string          `json:"conclusion"`
	StartedAt   *string          `json:"started_at"`
	CompletedAt *string          `json:"completed_at"`
	Output      *outputRequest   `json:"output"`
	Actions     *[]actionRequest `json:"actions"`
}

type outputRequest struct {
	Title       *string             `json:"title"`
	Summary     *string             `json:"summary"`
	Text        *string             `json:"text"`
	Annotations []annotationRequest `json:"annotations"`
	Images      []json.RawMessage   `json:"images"`
}

type annotationRequest struct {
	Path            *string `json:"path"`
	StartLine       *int    `json:"start_line"`
	EndLine         *int    `json:"end_line"`
	StartColumn     *int    `json:"start_column"`
	EndColumn       *int    `json:"end_column"`
	AnnotationLevel *string `json:"annotation_level"`
	Message         *string `json:"message"`
	Title           *string `json:"title"`
	RawDetails      *string `json:"raw_details"`
}

type actionRequest struct {
	Label       *string `json:"label"`
	Description *string `json:"description"`
	Identifier  *string `json:"identifier"`
}

// decodeRequest decodes a JSON body. A syntax error is GitHub's 400
// "Problems parsing JSON"; a value of the wrong type is a 422 validation
// error on that field.
func (s *Server) decodeRequest(ex *exchange, v any, resource, documentationURL string) (reply, bool) {
	err := decodeJSON(ex.body, v)
	if err == nil {
		return reply{}, true
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return s.validationReply(documentationURL, validationError{
			Resource: resource, Field: typeErr.Field, Code: "invalid",
			Message: fmt.Sprintf("%s must be a %s, not a %s", typeErr.Field, typeErr.Type, typeErr.Value),
		}), false
	}
	return errorReply(400, "Problems parsing JSON", documentationURL), false
}

// checkRunValidator collects the validation errors of one request.
type checkRunValidator struct {
	errs []validationError
}

func (v *checkRunValidator) fail(field, code, message string) {
	v.errs = append(v.errs, validationError{Resource: "CheckRun", Field: field, Code: code, Message: message})
}

// validate checks a create (current == nil) or an update of current.
func (v *checkRunValidator) validate(req *checkRunRequest, current *CheckRun) {
	if current == nil {
		v.validateCreateFields(req)
	} else if req.Name != nil && *req.Name == "" {
		v.fail("name", "missing_field", "name must not be empty; send the check run's name with every update")
	}
	if req.Status != nil {
		v.validateStatus(*req.Status)
	}
	if req.Conclusion != nil {
		v.validateConclusion(*req.Conclusion)
	}
	completing := (req.Status != nil && *req.Status == "completed") || req.CompletedAt != nil
	hasConclusion := req.Conclusion != nil || (current != nil && current.Conclusion != "")
	if completing && !hasConclusion {
		v.fail("conclusion", "missing_field", "conclusion is required when status is completed or completed_at is set")
	}
	v.validateTime("started_at", req.StartedAt)
	v.validateTime("completed_at", req.CompletedAt)
	if req.Output != nil {
		v.validateOutput(req.Output)
	}
	if req.Actions != nil {
		v.validateActions(*req.Actions)
	}
}

func (v *checkRunValidator) validateCreateFields(req *checkRunRequest) {
	if req.Name == nil || *req.Name == "" {
		v.fail("name", "missing_field", "name is required")
	}
	switch {
	case req.HeadSHA == nil || *req.HeadSHA == "":
		v.fail("head_sha", "missing_field", "head_sha is required")
	case !commitSHA.MatchString(*req.HeadSHA):
		v.fail("head_sha", "invalid", "No commit found for SHA: "+*req.HeadSHA)
	}
}

func (v *checkRunValidator) validateStatus(status string) {
	switch {
	case slices.Contains(actionsOnlyStatuses, status):
		v.fail("status", "invalid", "only GitHub Actions can set status "+status)
	case !slices.Contains(checkRunStatuses, status):
		v.fail("status", "invalid", "status must be one of queued, in_progress, completed")
	}
}

func (v *checkRunValidator) validateConclusion(conclusion string) {
	switch {
	case conclusion == "stale":
		v.fail("conclusion", "invalid", "only GitHub can set conclusion stale")
	case !slices.Contains(checkRunConclusions, conclusion):
		v.fail("conclusion", "invalid",
			"conclusion must be one of action_required, cancelled, failure, neutral, success, skipped, timed_out")
	}
}

func (v *checkRunValidator) validateTime(field string, value *string) {
	if value == nil {
		return
	}
	if _, err := time.Parse(time.RFC3339, *value); err != nil {
		v.fail(field, "invalid", field+" must be an ISO 8601 timestamp such as 2024-05-04T01:14:52Z")
	}
}

func (v *checkRunValidator) validateOutput(out *outputRequest) {
	if out.Title == nil {
		v.fail("output.title", "missing_field", "output.title is required when output is sent")
	}
	if out.Summary == nil {
		v.fail("output.summary", "missing_field", "output.summary is required when output is sent")
	}
	v.validateLength("output.summary", out.Summary)
	v.validateLength("output.text", out.Text)
	if n := len(out.Annotations); n > maxAnnotationsPerRequest {
		v.fail("output.annotations", "too_long", fmt.Sprintf(
			"at most %d annotations are allowed per request; %d were supplied", maxAnnotationsPerRequest, n))
	}
	for i, a := range out.Annotations {
		v.validateAnnotation(fmt.Sprintf("output.annotations[%d]", i), a)
	}
}

func (v *checkRunValidator) validateLength(field string, value *string) {
	if value == nil {
		return
	}
	if n := utf8.RuneCountInString(*value); n > maxOutputCharacters {
		v.fail(field, "too_long", fmt.Sprintf(
			"Only %d characters are allowed; %d were supplied.", maxOutputCharacters, n))
	}
}

func (v *checkRunValidator) validateAnnotation(field string, a annotationRequest) {
	required := map[string]bool{
		"path": a.Path == nil || *a.Path == "", "start_line": a.StartLine == nil,
		"end_line": a.EndLine == nil, "annotation_level": a.AnnotationLevel == nil,
		"message": a.Message == nil || *a.Message == "",
	}
	for _, name := range []string{"path", "start_line", "end_line", "annotation_level", "message"} {
		if required[name] {
			v.fail(field+"."+name, "missing_field", field+"."+name+" is required")
		}
	}
	if a.AnnotationLevel != nil && !slices.Contains(annotationLevels, *a.AnnotationLevel) {
		v.fail(field+".annotation_level", "invalid", "annotation_level must be one of notice, warning, failure")
	}
	hasColumns := a.StartColumn != nil || a.EndColumn != nil
	if hasColumns && a.StartLine != nil && a.EndLine != nil && *a.StartLine != *a.EndLine {
		v.fail(field, "invalid", "start_column and end_column are only allowed when start_line equals end_line")
	}
	if a.Message != nil && len(*a.Message) > maxAnnotationBytes {
		v.fail(field+".message", "too_long", "message is limited to 64 KB")
	}
	if a.RawDetails != nil && len(*a.RawDetails) > maxAnnotationBytes {
		v.fail(field+".raw_details", "too_long", "raw_details is limited to 64 KB")
	}
	if a.Title != nil && utf8.RuneCountInString(*a.Title) > maxAnnotationTitle {
		v.fail(field+".title", "too_long", "title is limited to 255 characters")
	}
}

func (v *checkRunValidator) validateActions(actions []actionRequest) {
	if len(actions) > maxActions {
		v.fail("actions", "too_long", fmt.Sprintf("at most %d actions are allowed", maxActions))
	}
	for i, a := range actions {
		field := fmt.Sprintf("actions[%d]", i)
		v.validateActionText(field+".label", a.Label, maxActionLabel)
		v.validateActionText(field+".description", a.Description, maxActionDescription)
		v.validateActionText(field+".identifier", a.Identifier, maxActionIdentifier)
	}
}

func (v *checkRunValidator) validateActionText(field string, value *string, limit int) {
	switch {
	case value == nil || *value == "":
		v.fail(field, "missing_field", field+" is required")
	case utf8.RuneCountInString(*value) > limit:
		v.fail(field, "too_long", fmt.Sprintf("%s is limited to %d characters", field, limit))
	}
}
