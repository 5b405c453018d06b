package learning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/learning"
	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/scannerapi"
	"github.com/centralcloud/centralcloud/server"
	"github.com/centralcloud/centralcloud/store"
)

// scannerClient posts to a real scanner API server with an org token.
type scannerClient struct {
	t     *testing.T
	url   string
	token string
	login string
}

func newScannerClient(t *testing.T, pool *pgxpool.Pool, login string) scannerClient {
	t.Helper()
	reg := prometheus.NewRegistry()
	api := scannerapi.New(pool, scannerapi.Options{
		Policies:           store.Policy{TelemetryEnabled: true, LearningEnabled: true, FailOn: "error"},
		RateLimitPerMinute: 10000,
		MaxFindings:        1000,
		Registerer:         reg,
	})
	router := server.NewRouter(server.Routes{Scanner: api, Health: &server.Health{DB: pool}},
		server.Options{Logger: zerolog.Nop(), MaxBodyBytes: 1 << 20, Registerer: reg})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	org, _, err := store.CreateOrg(context.Background(), pool, login)
	require.NoError(t, err)
	token, _, err := store.CreateToken(context.Background(), pool, org.ID, "test", nil)
	require.NoError(t, err)
	return scannerClient{t: t, url: srv.URL, token: token, login: login}
}

func (c scannerClient) post(path string, body any, wantStatus int) map[string]any {
	c.t.Helper()
	data, err := json.Marshal(body)
	require.NoError(c.t, err)
	req, err := http.NewRequest(http.MethodPost, c.url+path, bytes.NewReader(data))
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(c.t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(c.t, wantStatus, resp.StatusCode, out)
	return out
}

// scan registers a run of scanner for repo and posts one final event with
// findings, and returns the event response.
func (c scannerClient) scan(repo, scanner string, findings []map[string]any) map[string]any {
	c.t.Helper()
	run := c.post("/scanner/runs", map[string]any{
		"local_run_id": "ci-" + randomHex(4),
		"repo":         map[string]string{"owner": c.login, "name": repo},
		"commit":       randomHex(20),
		"etag":         nil,
		"scanner":      map[string]string{"name": scanner, "version": "0.9.1"},
	}, http.StatusCreated)
	return c.post("/scanner/events", map[string]any{
		"server_run_id": run["server_run_id"],
		"results":       map[string]any{"findings": findings, "summary": "summary of " + repo},
		"metrics":       map[string]any{"files": 3},
	}, http.StatusOK)
}

// TestFinalEventReachesAggregates is the only test that consumes the
// Learning queue itself: a final event posted to the scanner API becomes
// aggregate rows, and an org with learning off contributes nothing.
func TestFinalEventReachesAggregates(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	tag := randomHex(4)
	// The scanner name must not share a word with the org logins, or the
	// handler would store it as "other".
	scanner := "e2e-scanner-" + randomHex(4)
	findings := []map[string]any{
		{"pattern_id": "go/sql-injection", "severity": "error", "path": "internal/billing" + tag + "/db.go",
			"start_line": 10, "end_line": 10, "message": "query built from user input", "fingerprint": "f1"},
		{"pattern_id": "go/sql-injection", "severity": "error", "path": "cmd/server.go",
			"start_line": 3, "end_line": 3, "message": "query built from user input", "fingerprint": "f2"},
		{"pattern_id": "py/weak-hash", "severity": "warning", "path": "tools/hash.py",
			"start_line": 1, "end_line": 1, "message": "md5", "fingerprint": "f3"},
	}

	learner := newScannerClient(t, pool, "learner-"+tag)
	resp := learner.scan("service", scanner, findings)
	require.Equal(t, true, resp["learning_queued"])

	private := newScannerClient(t, pool, "private-"+tag)
	org, err := store.OrgByLogin(context.Background(), pool, private.login)
	require.NoError(t, err)
	require.NoError(t, store.SetPolicies(context.Background(), pool, org.ID, "test",
		map[string]string{"learning_enabled": "false"}))
	resp = private.scan("service", scanner, findings)
	require.Equal(t, false, resp["learning_queued"])

	r := queue.NewRunner(pool, queue.RunnerOptions{Logger: zerolog.New(zerolog.NewTestWriter(t))})
	require.NoError(t, learning.NewHandler(pool).Register(r, queue.HandlerOptions{
		PollWait: time.Second, VisibilityTimeout: 2 * time.Second,
	}))
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	want := []aggregateRow{
		{Pattern: "go/sql-injection", Severity: "error", Language: "go", Version: "0.9.1", Findings: 2, Runs: 1},
		{Pattern: "py/weak-hash", Severity: "warning", Language: "python", Version: "0.9.1", Findings: 1, Runs: 1},
	}
	require.Eventually(t, func() bool { return len(aggregates(t, pool, scanner)) == len(want) },
		30*time.Second, 20*time.Millisecond)
	require.Equal(t, want, aggregates(t, pool, scanner), "only the org with learning on was counted")
}
