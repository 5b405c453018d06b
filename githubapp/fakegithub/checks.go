package fakegithub

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// CheckRun is a check run as the fake stores it, for tests to inspect.
type CheckRun struct {
	ID             int64
	CheckSuiteID   int64
	InstallationID int64
	RepositoryID   int64
	Owner          string
	Repo           string
	HeadSHA        string
	Name           string
	// Status is queued, in_progress or completed.
	Status string
	// Conclusion is empty until the run is completed.
	Conclusion string
	ExternalID string
	// DetailsURL is the URL the client sent; GitHub shows the App's
	// homepage in its place when it is empty.
	DetailsURL  string
	StartedAt   time.Time
	CompletedAt time.Time
	Output      CheckRunOutput
	// Annotations are every annotation sent, in order: GitHub appends the
	// annotations of each update to those already there.
	Annotations []Annotation
	Actions     []Action
	CreatedAt   time.Time
	// Updates counts the update requests that GitHub accepted.
	Updates int
}

// CheckRunOutput is the title and text of a check run.
type CheckRunOutput struct {
	Title   string
	Summary string
	Text    string
}

// Annotation is a check-run annotation on lines of a file.
type Annotation struct {
	Path      string
	StartLine int
	EndLine   int
	// StartColumn and EndColumn are 0 when the client sent none.
	StartColumn int
	EndColumn   int
	// Level is notice, warning or failure.
	Level      string
	Title      string
	Message    string
	RawDetails string
}

// Action is a button that a check run offers, sent back to the App in a
// check_run.requested_action webhook.
type Action struct {
	Label       string
	Description string
	Identifier  string
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
	for _, id := range s.checkRunOrder {
		run := s.checkRuns[id]
		if run.isOn(owner, repo) && strings.EqualFold(run.HeadSHA, headSHA) {
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
