package fakegithub

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// CheckRun is a check run as the fake stores it, for tests to inspect.
type CheckRun struct {
	ID             int64  `json:"id"`
	CheckSuiteID   int64  `json:"check_suite_id"`
	InstallationID int64  `json:"installation_id"`
	RepositoryID   int64  `json:"repository_id"`
	Owner          string `json:"owner"`
	Repo           string `json:"repo"`
	HeadSHA        string `json:"head_sha"`
	Name           string `json:"name"`
	// Status is queued, in_progress or completed.
	Status string `json:"status"`
	// Conclusion is empty until the run is completed.
	Conclusion string `json:"conclusion"`
	ExternalID string `json:"external_id"`
	// DetailsURL is the URL the client sent; GitHub shows the App's
	// homepage in its place when it is empty.
	DetailsURL  string         `json:"details_url"`
	StartedAt   time.Time      `json:"started_at"`
	CompletedAt time.Time      `json:"completed_at"`
	Output      CheckRunOutput `json:"output"`
	// Annotations are every annotation sent, in order: GitHub appends the
	// annotations of each update to those already there.
	Annotations []Annotation `json:"annotations"`
	Actions     []Action     `json:"actions"`
	CreatedAt   time.Time    `json:"created_at"`
	// Updates counts the update requests that GitHub accepted.
	Updates int `json:"updates"`
}

// CheckRunOutput is the title and text of a check run.
type CheckRunOutput struct {
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Text    string `json:"text"`
}

// Annotation is a check-run annotation on lines of a file.
type Annotation struct {
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
	// StartColumn and EndColumn are 0 when the client sent none.
	StartColumn int `json:"start_column"`
	EndColumn   int `json:"end_column"`
	// Level is notice, warning or failure.
	Level      string `json:"annotation_level"`
	Title      string `json:"title"`
	Message    string `json:"message"`
	RawDetails string `json:"raw_details"`
}

// Action is a button that a check run offers, sent back to the App in a
// check_run.requested_action webhook.
type Action struct {
	Label       string `json:"label"`
	Description string `json:"description"`
	Identifier  string `json:"identifier"`
}

func (r *CheckRun) clone() CheckRun {
	c := *r
	c.Annotations = slices.Clone(r.Annotations)
	c.Actions = slices.Clone(r.Actions)
	return c
}

// CheckRuns returns the check runs on a commit of a repository, oldest
// first, whatever their name.
func (s *Server) CheckRuns(owner, repo, headSHA string) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var runs []CheckRun
	for _, id := range s.checkRunsBySHA[strings.ToLower(headSHA)] {
		run := s.checkRuns[id]
		if run.isOn(owner, repo) {
			runs = append(runs, run.clone())
		}
	}
	return runs
}

// AllCheckRuns returns every check run, oldest first.
func (s *Server) AllCheckRuns() []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	runs := make([]CheckRun, 0, len(s.checkRunOrder))
	for _, id := range s.checkRunOrder {
		runs = append(runs, s.checkRuns[id].clone())
	}
	return runs
}

// CheckRun returns the check run with the id.
func (s *Server) CheckRun(id int64) (CheckRun, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	run := s.checkRuns[id]
	if run == nil {
		return CheckRun{}, false
	}
	return run.clone(), true
}

func (r *CheckRun) isOn(owner, repo string) bool {
	return strings.EqualFold(r.Owner, owner) && strings.EqualFold(r.Repo, repo)
}

// checkSuiteLocked returns the id of the App's check suite for a commit,
// creating it with the first check run, as GitHub does.
func (s *Server) checkSuiteLocked(repo *Repository, headSHA string) int64 {
	key := strconv.FormatInt(repo.ID, 10) + "@" + strings.ToLower(headSHA)
	id, ok := s.checkSuites[key]
	if !ok {
		id = s.nextID()
		s.checkSuites[key] = id
	}
	return id
}
