package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/store"
)

const runsPath = "/scanner/runs"

// runBody is the JSON body of POST /scanner/runs for a local run id.
func (r *runner) runBody(localID, commit string, pullRequest int) []byte {
	body := map[string]any{
		"local_run_id": localID, "repo": map[string]any{"owner": r.t.Owner, "name": r.t.Repo},
		"commit": commit, "etag": r.etag, "scanner": map[string]any{"name": "centralcloud-bench", "version": "1"},
	}
	if pullRequest > 0 {
		body["pull_request"] = pullRequest
		body["ref"] = fmt.Sprintf("refs/pull/%d/head", pullRequest)
	}
	return mustJSON(body)
}

// register posts a run and returns its server_run_id.
func (r *runner) register(ctx context.Context, localID, commit string, pullRequest, want int) (string, error) {
	out, _, err := r.c.do(ctx, http.MethodPost, runsPath, r.runBody(localID, commit, pullRequest), r.authHeader(), want)
	if err != nil {
		return "", err
	}
	var resp struct {
		ServerRunID string `json:"server_run_id"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return "", fmt.Errorf("decode run response: %w", err)
	}
	return resp.ServerRunID, nil
}

// runs measures fresh registrations and the limits that split their cost,
// then replays of the registered runs.
func (r *runner) runs(ctx context.Context) error {
	var mu sync.Mutex
	var registered []int
	fresh := func(ctx context.Context, i int) error {
		_, err := r.register(ctx, fmt.Sprintf("bench-%s-%d", r.nonce, i), r.commitFor("run", i), 0, http.StatusCreated)
		if err == nil {
			mu.Lock()
			registered = append(registered, i)
			mu.Unlock()
		}
		return err
	}
	limit, statement, bareHTTP, err := r.runLimits()
	if err != nil {
		return err
	}
	const limitName = "the INSERT … RETURNING of a run alone, raw through pgx"
	r.measure(ctx, "runs fresh", r.load(r.o.Requests), fresh, limitName, limit)
	if statement != nil {
		r.measure(ctx, "runs fresh, SQL statement alone", r.load(r.o.Requests), statement, limitName, limit)
		r.measure(ctx, "runs fresh, bare HTTP handler", r.load(r.o.Requests), bareHTTP, limitName, limit)
	}
	if len(registered) == 0 {
		return fmt.Errorf("no run was registered, so none can be replayed")
	}
	replay := func(ctx context.Context, i int) error {
		i = registered[i%len(registered)]
		_, err := r.register(ctx, fmt.Sprintf("bench-%s-%d", r.nonce, i), r.commitFor("run", i), 0, http.StatusOK)
		return err
	}
	r.measure(ctx, "runs replay", r.load(r.o.Requests), replay, "", nil)
	return nil
}

// prepareRuns registers a first run, which creates the repository, and
// keeps the org's and the repository's ids for the limits. Without a pool
// it does nothing.
func (r *runner) prepareRuns(ctx context.Context) error {
	if r.t.Pool == nil {
		return nil
	}
	if _, err := r.register(ctx, "bench-"+r.nonce+"-setup", r.commitFor("setup", 0), 0, http.StatusCreated); err != nil {
		return fmt.Errorf("register the first run: %w", err)
	}
	org, err := store.OrgByLogin(ctx, r.t.Pool, r.t.Owner)
	if err != nil {
		return err
	}
	repo, err := store.EnsureRepository(ctx, r.t.Pool, org.ID, r.t.Owner, r.t.Repo, nil)
	if err != nil {
		return err
	}
	r.orgID, r.repositoryID = org.ID, repo.ID
	return nil
}

// runLimits returns the limit of run registration, which is the bare
// insert of a run raw through pgx, and two steps between it and ours. The
// first is the statement of store.RegisterRun alone (the insert, its check
// message and the policy read) raw through pgx. The second is a bare
// net/http handler that runs that statement. Without a pool all three are
// nil.
func (r *runner) runLimits() (limit, statement, bareHTTP Op, err error) {
	if r.t.Pool == nil {
		return nil, nil, nil, nil
	}
	var calls atomic.Int64
	limit = func(ctx context.Context, _ int) error {
		// The limit runs for three rows, so its run ids count its calls.
		i := int(calls.Add(1))
		var row [13]any
		dest := make([]any, len(row))
		for k := range row {
			dest[k] = &row[k]
		}
		err := r.t.Pool.QueryRow(ctx, rawInsertSQL, r.orgID, r.repositoryID, fmt.Sprintf("raw-%s-%d", r.nonce, i),
			r.commitFor("raw", i), nil, nil, "centralcloud-bench", "1").Scan(dest...)
		if err == pgx.ErrNoRows {
			return fmt.Errorf("raw insert %d found a conflict", i)
		}
		return err
	}
	runs, err := newRunStatement(r.t.Pool, r.orgID, r.repositoryID)
	if err != nil {
		return nil, nil, nil, err
	}
	statement = func(ctx context.Context, i int) error {
		reg, err := runs.register(ctx, fmt.Sprintf("statement-%s-%d", r.nonce, i), r.commitFor("statement", i))
		if err == nil && !reg.Created {
			return fmt.Errorf("statement %d found its run registered already", i)
		}
		return err
	}
	bareHTTP = func(ctx context.Context, i int) error {
		body := mustJSON(map[string]string{
			"local_run_id": fmt.Sprintf("bare-%s-%d", r.nonce, i), "commit": r.commitFor("bare", i),
		})
		_, _, err := r.bare.do(ctx, http.MethodPost, runsPath, body, http.Header{"Content-Type": {"application/json"}},
			http.StatusCreated)
		return err
	}
	return limit, statement, bareHTTP, nil
}

// runStatement runs the statement of store.RegisterRun for runs of one
// repository, as the service does for a new run. Both statement limits
// use it, so that they measure the same SQL.
type runStatement struct {
	pool                *pgxpool.Pool
	orgID, repositoryID uuid.UUID
	// message is the check message that POST /scanner/runs queues for a
	// new run, before RegisterRun adds the run's id.
	message json.RawMessage
}

func newRunStatement(pool *pgxpool.Pool, orgID, repositoryID uuid.UUID) (*runStatement, error) {
	message, err := json.Marshal(queue.CheckMessage{Type: queue.CheckRunRegistered})
	if err != nil {
		return nil, err
	}
	return &runStatement{pool: pool, orgID: orgID, repositoryID: repositoryID, message: message}, nil
}

func (s *runStatement) register(ctx context.Context, localRunID, commit string) (store.Registration, error) {
	return store.RegisterRun(ctx, s.pool, store.Run{
		OrgID: s.orgID, RepositoryID: s.repositoryID, LocalRunID: localRunID, CommitSHA: commit,
	}, store.Policy{}, queue.Checks, s.message)
}

// rawInsertSQL is the insert of a run in store.RegisterRun, without the
// check message and the policy read that the statement adds.
const rawInsertSQL = `INSERT INTO scanner_runs (org_id, repository_id, local_run_id, commit_sha, ref, pull_request,
	scanner_name, scanner_version)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
	ON CONFLICT ON CONSTRAINT scanner_runs_local_key DO NOTHING
	RETURNING id, org_id, repository_id, local_run_id, commit_sha, ref, pull_request,
	scanner_name, scanner_version, status, conclusion, created_at, completed_at`
