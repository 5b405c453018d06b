package fakegithub

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the commit statuses API, as GitHub enforces them.
const (
	maxStatusDescription     = 140
	maxStatusesPerSHAContext = 1000
)

var statusStates = []string{"error", "failure", "pending", "success"}

// Status is a commit status as the fake stores it.
type Status struct {
	ID             int64  `json:"id"`
	InstallationID int64  `json:"installation_id"`
	RepositoryID   int64  `json:"repository_id"`
	Owner          string `json:"owner"`
	Repo           string `json:"repo"`
	SHA            string `json:"sha"`
	// State is error, failure, pending or success.
	State       string    `json:"state"`
	TargetURL   string    `json:"target_url"`
	Description string    `json:"description"`
	Context     string    `json:"context"`
	CreatedAt   time.Time `json:"created_at"`
}

// Statuses returns the statuses posted on a commit, oldest first.
func (s *Server) Statuses(owner, repo, sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []Status
	for _, st := range s.statuses {
		if st.isOn(owner, repo, sha) {
			list = append(list, *st)
		}
	}
	return list
}

func (st *Status) isOn(owner, repo, sha string) bool {
	return strings.EqualFold(st.Owner, owner) && strings.EqualFold(st.Repo, repo) && strings.EqualFold(st.SHA, sha)
}

// statusRequest is the body of POST /repos/{owner}/{repo}/statuses/{sha}.
type statusRequest struct {
	State       *string `json:"state"`
	TargetURL   *string `json:"target_url"`
	Description *string `json:"description"`
	Context     *string `json:"context"`
}

func (s *Server) createStatus(ex *exchange) reply {
	repo, rp, ok := s.authorizeRepository(ex, "statuses", "write", docsCreateStatus)
	if !ok {
		return rp
	}
	var req statusRequest
	if rp, ok := s.decodeRequest(ex, &req, "Status", docsCreateStatus); !ok {
		return rp
	}
	sha := ex.r.PathValue("sha")
	context := "default"
	setString(&context, req.Context)
	if errs := s.validateStatus(&req, repo, sha, context); len(errs) > 0 {
		return s.validationReply(docsCreateStatus, errs...)
	}
	st := &Status{
		ID: s.nextID(), InstallationID: ex.installationID, RepositoryID: repo.ID,
		Owner: repo.Owner, Repo: repo.Name, SHA: sha, State: *req.State,
		TargetURL: stringOrEmpty(req.TargetURL), Description: stringOrEmpty(req.Description),
		Context: context, CreatedAt: ex.received,
	}
	s.statuses = append(s.statuses, st)
	return jsonReply(http.StatusCreated, s.renderStatus(st))
}

func (s *Server) validateStatus(req *statusRequest, repo *Repository, sha, context string) []validationError {
	var errs []validationError
	fail := func(field, code, message string) {
		errs = append(errs, validationError{Resource: "Status", Field: field, Code: code, Message: message})
	}
	if !commitSHA.MatchString(sha) {
		fail("sha", "invalid", "No commit found for SHA: "+sha)
	}
	switch {
	case req.State == nil:
		fail("state", "missing_field", "state is required")
	case !slices.Contains(statusStates, *req.State):
		fail("state", "invalid", "state must be one of error, failure, pending, success")
	}
	if req.Description != nil && utf8.RuneCountInString(*req.Description) > maxStatusDescription {
		fail("description", "too_long", "description is too long (maximum is 140 characters)")
	}
	count := 0
	for _, st := range s.statuses {
		if st.RepositoryID == repo.ID && strings.EqualFold(st.SHA, sha) && st.Context == context {
			count++
		}
	}
	if count >= maxStatusesPerSHAContext {
		fail("context", "custom", "This SHA and context has reached the maximum number of statuses.")
	}
	return errs
}

// listStatuses lists a commit's statuses newest first, as GitHub does.
func (s *Server) listStatuses(ex *exchange) reply {
	list, rp, ok := s.statusesForRef(ex)
	if !ok {
		return rp
	}
	page := s.paginate(ex, len(list))
	bodies := make([]any, 0, page.end-page.start)
	for _, st := range list[page.start:page.end] {
		bodies = append(bodies, s.renderStatus(st))
	}
	rp = jsonReply(http.StatusOK, bodies)
	page.setLink(rp.header)
	return rp
}

// getCombinedStatus returns the newest status of each context and their
// combined state: failure if any is error or failure, pending if any is
// pending or there is none, else success.
func (s *Server) getCombinedStatus(ex *exchange) reply {
	list, rp, ok := s.statusesForRef(ex)
	if !ok {
		return rp
	}
	seen := map[string]bool{}
	var latest []any
	state := "success"
	for _, st := range list {
		if seen[st.Context] {
			continue
		}
		seen[st.Context] = true
		latest = append(latest, s.renderStatus(st))
		state = combineState(state, st.State)
	}
	if len(latest) == 0 {
		state = "pending"
		latest = []any{}
	}
	body := s.templates.object(templateCombinedStatus)
	rewriteStrings(body, strings.NewReplacer(s.basePairs()...))
	body["state"] = state
	body["statuses"] = latest
	body["sha"] = ex.r.PathValue("ref")
	body["total_count"] = len(latest)
	body["commit_url"] = s.apiURL("repos/%s/%s/commits/%s", ex.r.PathValue("owner"), ex.r.PathValue("repo"), ex.r.PathValue("ref"))
	body["url"] = body["commit_url"].(string) + "/status"
	return jsonReply(http.StatusOK, body)
}

func combineState(combined, state string) string {
	switch {
	case combined == "failure" || state == "error" || state == "failure":
		return "failure"
	case combined == "pending" || state == "pending":
		return "pending"
	}
	return "success"
}

// statusesForRef returns the statuses of {ref}, newest first.
// NOTE: ref matches commit SHAs only; the fake has no branches or tags.
func (s *Server) statusesForRef(ex *exchange) ([]*Status, reply, bool) {
	repo, rp, ok := s.authorizeRepository(ex, "statuses", "read", docsRoot)
	if !ok {
		return nil, rp, false
	}
	var list []*Status
	for _, st := range slices.Backward(s.statuses) {
		if st.RepositoryID == repo.ID && strings.EqualFold(st.SHA, ex.r.PathValue("ref")) {
			list = append(list, st)
		}
	}
	return list, reply{}, true
}

func (s *Server) renderStatus(st *Status) object {
	body := s.templates.object(templateStatus)
	body["url"] = s.apiURL("repos/%s/%s/statuses/%s", st.Owner, st.Repo, st.SHA)
	body["avatar_url"] = s.renderBot()["avatar_url"]
	body["id"] = st.ID
	body["node_id"] = legacyNodeID("StatusContext", st.ID)
	body["state"] = st.State
	body["description"] = nilIfEmpty(st.Description)
	body["target_url"] = nilIfEmpty(st.TargetURL)
	body["context"] = st.Context
	body["created_at"] = timestamp(st.CreatedAt)
	body["updated_at"] = timestamp(st.CreatedAt)
	body["creator"] = s.renderBot()
	return body
}
