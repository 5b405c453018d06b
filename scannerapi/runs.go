package scannerapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/internal/problem"
	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

type runRequest struct {
	LocalRunID  *string      `json:"local_run_id"`
	Repo        *repoRequest `json:"repo"`
	Commit      *string      `json:"commit"`
	ETag        *string      `json:"etag"`
	Ref         *string      `json:"ref"`
	PullRequest *int64       `json:"pull_request"`
	Scanner     *scannerInfo `json:"scanner"`
}

type repoRequest struct {
	Owner *string `json:"owner"`
	Name  *string `json:"name"`
}

type scannerInfo struct {
	Name    *string `json:"name"`
	Version *string `json:"version"`
}

// validRun is a runRequest after validation and normalisation.
type validRun struct {
	localRunID     string
	owner, name    string
	commit         string
	etag           string
	ref            *string
	pullRequest    *int
	scannerName    *string
	scannerVersion *string
}

func (req *runRequest) validate() (*validRun, *problem.Details) {
	v := &validRun{}
	if req.LocalRunID == nil {
		return nil, missing("local_run_id")
	}
	if d := validateText("local_run_id", *req.LocalRunID, 1, 128); d != nil {
		return nil, d
	}
	v.localRunID = *req.LocalRunID
	if req.Repo == nil {
		return nil, missing("repo")
	}
	if req.Repo.Owner == nil {
		return nil, missing("repo.owner")
	}
	if d := validateOwner("repo.owner", *req.Repo.Owner); d != nil {
		return nil, d
	}
	if req.Repo.Name == nil {
		return nil, missing("repo.name")
	}
	if d := validateRepoName("repo.name", *req.Repo.Name); d != nil {
		return nil, d
	}
	v.owner, v.name = *req.Repo.Owner, *req.Repo.Name
	if req.Commit == nil {
		return nil, missing("commit")
	}
	var d *problem.Details
	if v.commit, d = normaliseCommit("commit", *req.Commit); d != nil {
		return nil, d
	}
	if req.ETag != nil {
		if v.etag, d = normaliseETag("etag", *req.ETag); d != nil {
			return nil, d
		}
	}
	return v, req.validateOptional(v)
}

func (req *runRequest) validateOptional(v *validRun) *problem.Details {
	if req.Ref != nil {
		if d := validateText("ref", *req.Ref, 1, 255); d != nil {
			return d
		}
		v.ref = req.Ref
	}
	if req.PullRequest != nil {
		if *req.PullRequest < 1 || *req.PullRequest > 1<<31-1 {
			return problem.InvalidField("pull_request", fmt.Sprintf("pull_request %d is not a pull request number: send a positive number or leave it out", *req.PullRequest))
		}
		n := int(*req.PullRequest)
		v.pullRequest = &n
	}
	if req.Scanner != nil {
		if req.Scanner.Name == nil {
			return missing("scanner.name")
		}
		if d := validateText("scanner.name", *req.Scanner.Name, 1, 100); d != nil {
			return d
		}
		v.scannerName = req.Scanner.Name
		if req.Scanner.Version != nil {
			if d := validateText("scanner.version", *req.Scanner.Version, 1, 100); d != nil {
				return d
			}
			v.scannerVersion = req.Scanner.Version
		}
	}
	return nil
}

type runResponse struct {
	ServerRunID     uuid.UUID      `json:"server_run_id"`
	PatternsETag    string         `json:"patterns_etag"`
	PatternsChanged bool           `json:"patterns_changed"`
	Policies        policyResponse `json:"policies"`
	Enterprise      enterprise     `json:"enterprise"`
	Snapshot        any            `json:"snapshot,omitempty"`
}

type policyResponse struct {
	TelemetryEnabled bool   `json:"telemetry_enabled"`
	LearningEnabled  bool   `json:"learning_enabled"`
	FailOn           string `json:"fail_on"`
}

type enterprise struct {
	RetentionDays *int `json:"retention_days"`
}

func (a *API) registerRun(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	var req runRequest
	if d := decodeJSON(r, &req); d != nil {
		problem.Write(w, d)
		return
	}
	v, d := req.validate()
	if d != nil {
		problem.Write(w, d)
		return
	}
	ghRepo, allowed := p.repositoryAllowed(v.owner, v.name)
	if !allowed {
		problem.Write(w, problem.New(http.StatusForbidden, "repository-out-of-scope",
			fmt.Sprintf("this token may not register runs for %s/%s: use a token of the org or installation that owns it", v.owner, v.name)))
		return
	}
	reg, err := a.storeRun(r, p, v, ghRepo)
	if errors.Is(err, store.ErrRunConflict) {
		problem.Write(w, problem.New(http.StatusConflict, "run-conflict",
			fmt.Sprintf("local_run_id %q is already registered for commit %s: use a new local_run_id for another commit", v.localRunID, reg.Run.CommitSHA)))
		return
	}
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	resp, d := a.runResponse(r, reg, v.etag)
	if d != nil {
		problem.Write(w, d)
		return
	}
	status, result := http.StatusOK, "replayed"
	if reg.Created {
		status, result = http.StatusCreated, "created"
	}
	a.metrics.runs.WithLabelValues(result).Inc()
	logger := zerolog.Ctx(r.Context())
	logger.UpdateContext(func(c zerolog.Context) zerolog.Context {
		return c.Str(logkey.ServerRunID, reg.Run.ID.String()).Str(logkey.Repository, v.owner+"/"+v.name)
	})
	logger.Info().Bool(logkey.Created, reg.Created).Msg("run registered")
	writeJSON(w, status, resp)
}

// storeRun records the run, queues the move of the commit's Check Run to
// in_progress for a new run and reads the org's policy, all in one
// statement. With the repository cached, that is the request's one round
// trip to the database.
func (a *API) storeRun(r *http.Request, p *Principal, v *validRun, ghRepo *RepositoryRef) (store.Registration, error) {
	repo, err := a.repository(r, p, v, ghRepo)
	if err != nil {
		return store.Registration{}, err
	}
	message, err := json.Marshal(queue.CheckMessage{Type: queue.CheckRunRegistered})
	if err != nil {
		return store.Registration{}, err
	}
	return store.RegisterRun(r.Context(), a.db, store.Run{
		OrgID: p.Org.ID, RepositoryID: repo.ID, LocalRunID: v.localRunID, CommitSHA: v.commit,
		Ref: v.ref, PullRequest: v.pullRequest, ScannerName: v.scannerName, ScannerVersion: v.scannerVersion,
	}, a.opts.Policies, queue.Checks, message)
}

// repository returns the run's repository record, creating it on first
// use, and keeps it for a minute.
func (a *API) repository(r *http.Request, p *Principal, v *validRun, ghRepo *RepositoryRef) (store.Repository, error) {
	key := repositoryKey{orgID: p.Org.ID, name: strings.ToLower(v.name)}
	now := time.Now()
	if repo, ok := a.repositories.get(key, now); ok && (ghRepo == nil || repo.GitHubRepoID != nil) {
		return repo, nil
	}
	var ghRepoID *int64
	if ghRepo != nil {
		ghRepoID = &ghRepo.ID
	}
	repo, err := store.EnsureRepository(r.Context(), a.db, p.Org.ID, v.owner, v.name, ghRepoID)
	if err != nil {
		return store.Repository{}, err
	}
	a.repositories.put(key, repo, now)
	return repo, nil
}

func (a *API) runResponse(r *http.Request, reg store.Registration, clientETag string) (*runResponse, *problem.Details) {
	policy := reg.Policy
	resp := &runResponse{
		ServerRunID:  reg.Run.ID,
		PatternsETag: a.currentETag(),
		Policies: policyResponse{
			TelemetryEnabled: policy.TelemetryEnabled, LearningEnabled: policy.LearningEnabled, FailOn: policy.FailOn,
		},
		Enterprise: enterprise{RetentionDays: policy.RetentionDays},
	}
	resp.PatternsChanged = !a.snapshotMatches(clientETag, resp.PatternsETag)
	clientKey := r.Header.Get("X-Client-Key")
	if resp.PatternsChanged && clientKey != "" && a.opts.Snapshots != nil {
		inline, err := a.opts.Snapshots.Inline(clientKey)
		if errors.Is(err, ErrInvalidClientKey) {
			return nil, problem.InvalidField("X-Client-Key", err.Error())
		}
		if err != nil {
			zerolog.Ctx(r.Context()).Error().Err(err).Msg("inline snapshot failed")
			return nil, problem.Internal()
		}
		resp.Snapshot = inline
	}
	return resp, nil
}

// snapshotMatches compares the client's ETag with the current one. A client
// without an ETag is not counted in the ETag hit ratio.
func (a *API) snapshotMatches(clientETag, current string) bool {
	if clientETag == "" {
		return false
	}
	if a.opts.Snapshots == nil {
		return clientETag == current
	}
	return a.opts.Snapshots.Matches(clientETag)
}

func (a *API) currentETag() string {
	if a.opts.Snapshots == nil {
		return snapshots.EmptyETag()
	}
	return a.opts.Snapshots.ETag()
}
