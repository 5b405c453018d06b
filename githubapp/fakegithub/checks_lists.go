package fakegithub

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) listAnnotations(ex *exchange) reply {
	run, rp, ok := s.findCheckRun(ex, "read", docsRoot)
	if !ok {
		return rp
	}
	page := s.paginate(ex, len(run.Annotations))
	list := make([]any, 0, page.end-page.start)
	for _, a := range run.Annotations[page.start:page.end] {
		list = append(list, s.renderAnnotation(run, a))
	}
	rp = jsonReply(http.StatusOK, list)
	page.setLink(rp.header)
	return rp
}

// listCheckRunsForRef lists the runs on a commit, newest first, filtered by
// check_name, status and app_id as GitHub filters them. With filter=latest,
// the default, only the newest run of each name is listed; filter=all lists
// every run.
// NOTE: ref matches head SHAs only, because the fake has no branches or tags.
func (s *Server) listCheckRunsForRef(ex *exchange) reply {
	repo, rp, ok := s.authorizeRepository(ex, "checks", "read", docsRoot)
	if !ok {
		return rp
	}
	query := ex.r.URL.Query()
	ref := ex.r.PathValue("ref")
	latestOnly := query.Get("filter") != "all"
	seenNames := map[string]bool{}
	var runs []*CheckRun
	for _, id := range slices.Backward(s.checkRunsBySHA[strings.ToLower(ref)]) {
		run := s.checkRuns[id]
		if run.RepositoryID != repo.ID || !s.matchesRunFilters(run, query.Get) {
			continue
		}
		if latestOnly && seenNames[run.Name] {
			continue
		}
		seenNames[run.Name] = true
		runs = append(runs, run)
	}
	page := s.paginate(ex, len(runs))
	list := make([]any, 0, page.end-page.start)
	for _, run := range runs[page.start:page.end] {
		list = append(list, s.renderCheckRun(run))
	}
	rp = jsonReply(http.StatusOK, object{"total_count": len(runs), "check_runs": list})
	page.setLink(rp.header)
	return rp
}

func (s *Server) matchesRunFilters(run *CheckRun, param func(string) string) bool {
	if name := param("check_name"); name != "" && name != run.Name {
		return false
	}
	if status := param("status"); status != "" && status != run.Status {
		return false
	}
	// Every run belongs to the one App that the fake serves.
	if appID := param("app_id"); appID != "" && appID != strconv.FormatInt(s.opts.AppID, 10) {
		return false
	}
	return true
}

func (s *Server) renderCheckRun(run *CheckRun) object {
	body := s.templates.object(templateCheckRun)
	runURL := s.apiURL("repos/%s/%s/check-runs/%d", run.Owner, run.Repo, run.ID)
	// GitHub shows the App's homepage when the client sent no details_url.
	detailsURL := run.DetailsURL
	if detailsURL == "" {
		detailsURL = s.WebURL()
	}

	body["id"] = run.ID
	body["node_id"] = legacyNodeID("CheckRun", run.ID)
	body["name"] = run.Name
	body["head_sha"] = run.HeadSHA
	body["external_id"] = run.ExternalID
	body["url"] = runURL
	body["html_url"] = s.webURL("%s/%s/runs/%d", run.Owner, run.Repo, run.ID)
	body["details_url"] = detailsURL

	body["status"] = run.Status
	body["conclusion"] = nilIfEmpty(run.Conclusion)
	body["started_at"] = timestamp(run.StartedAt)
	body["completed_at"] = timestamp(run.CompletedAt)
	body["output"] = renderOutput(run, runURL)

	body["check_suite"] = object{"id": run.CheckSuiteID}
	body["app"] = s.renderApp()
	body["pull_requests"] = []any{}
	return body
}

// renderOutput returns the output object. GitHub returns the annotations
// count and URL, not the annotations themselves.
func renderOutput(run *CheckRun, runURL string) object {
	return object{
		"title":             nilIfEmpty(run.Output.Title),
		"summary":           nilIfEmpty(run.Output.Summary),
		"text":              nilIfEmpty(run.Output.Text),
		"annotations_count": len(run.Annotations),
		"annotations_url":   runURL + "/annotations",
	}
}

func (s *Server) renderAnnotation(run *CheckRun, a Annotation) object {
	body := s.templates.firstElement(templateAnnotations)
	body["path"] = a.Path
	body["start_line"] = a.StartLine
	body["end_line"] = a.EndLine
	body["start_column"] = nilIfZero(a.StartColumn)
	body["end_column"] = nilIfZero(a.EndColumn)
	body["annotation_level"] = a.Level
	body["title"] = nilIfEmpty(a.Title)
	body["message"] = a.Message
	body["raw_details"] = nilIfEmpty(a.RawDetails)
	body["blob_href"] = s.webURL("%s/%s/blob/%s/%s", run.Owner, run.Repo, run.HeadSHA, a.Path)
	return body
}

func nilIfEmpty(value string) any {
	if value == "" {
		return nil
	}
	return value
}

func nilIfZero(value int) any {
	if value == 0 {
		return nil
	}
	return value
}
