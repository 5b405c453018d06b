package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/jackc/pgx/v5"

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

// runs measures fresh registrations against the raw insert, then replays
// of the registered runs.
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
	limit, err := r.rawInsert(ctx)
	if err != nil {
		return err
	}
	r.measure(ctx, "runs fresh", r.load(r.o.Requests), fresh, "the same INSERT … RETURNING raw through pgx", limit)
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

// rawInsert returns the limit of run registration: the insert that
// store.RegisterRun issues, sent raw through pgx. Without a pool it is nil.
func (r *runner) rawInsert(ctx context.Context) (Op, error) {
	if r.t.Pool == nil {
		return nil, nil
	}
	if _, err := r.register(ctx, "bench-"+r.nonce+"-setup", r.commitFor("setup", 0), 0, http.StatusCreated); err != nil {
		return nil, fmt.Errorf("register the first run: %w", err)
	}
	org, err := store.OrgByLogin(ctx, r.t.Pool, r.t.Owner)
	if err != nil {
		return nil, err
	}
	repo, err := store.EnsureRepository(ctx, r.t.Pool, org.ID, r.t.Owner, r.t.Repo, nil)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, i int) error {
		var row [13]any
		dest := make([]any, len(row))
		for k := range row {
			dest[k] = &row[k]
		}
		err := r.t.Pool.QueryRow(ctx, rawInsertSQL, org.ID, repo.ID, fmt.Sprintf("raw-%s-%d", r.nonce, i),
			r.commitFor("raw", i), nil, nil, "centralcloud-bench", "1").Scan(dest...)
		if err == pgx.ErrNoRows {
			return fmt.Errorf("raw insert %d found a conflict", i)
		}
		return err
	}, nil
}

// rawInsertSQL is store.RegisterRun's insert.
const rawInsertSQL = `INSERT INTO scanner_runs (org_id, repository_id, local_run_id, commit_sha, ref, pull_request,
	scanner_name, scanner_version)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
	ON CONFLICT ON CONSTRAINT scanner_runs_local_key DO NOTHING
	RETURNING id, org_id, repository_id, local_run_id, commit_sha, ref, pull_request,
	scanner_name, scanner_version, status, conclusion, created_at, completed_at`
