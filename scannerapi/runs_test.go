package scannerapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/store"
)

func TestRegisterRunCreatesThenReplays(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-1", commitA))
	require.Equal(t, http.StatusCreated, first.status, string(first.raw))
	id, err := uuid.Parse(first.body["server_run_id"].(string))
	require.NoError(t, err)
	require.Equal(t, uuid.Version(7), id.Version())
	require.NotEmpty(t, first.header.Get("X-Request-ID"))
	require.Len(t, first.body["patterns_etag"], 64)
	require.Equal(t, true, first.body["patterns_changed"])
	policies := first.body["policies"].(map[string]any)
	require.Equal(t, true, policies["telemetry_enabled"])
	require.Equal(t, true, policies["learning_enabled"])
	require.Contains(t, first.body, "enterprise")

	second := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-1", commitA))
	require.Equal(t, http.StatusOK, second.status)
	require.Equal(t, first.body["server_run_id"], second.body["server_run_id"])

	conflict := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-1", commitB))
	requireProblem(t, conflict, http.StatusConflict, "")
	require.Contains(t, conflict.body["detail"], commitA)
}

func TestRegisterRunQueuesCheckInProgress(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-queue", commitA))
	require.Equal(t, http.StatusCreated, r.status)
	var n int
	err := dbtest.Pool(t).QueryRow(context.Background(),
		`SELECT count(*) FROM pgmq.q_centralcloud_checks
		  WHERE message->>'server_run_id' = $1 AND message->>'type' = 'run_registered'`,
		r.body["server_run_id"]).Scan(&n)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestRegisterRunConcurrentIdenticalMakesOne(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const callers = 20
	var wg sync.WaitGroup
	ids := make([]string, callers)
	statuses := make([]int, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-race", commitA))
			statuses[i] = r.status
			ids[i], _ = r.body["server_run_id"].(string)
		}()
	}
	wg.Wait()
	created := 0
	for i := range callers {
		require.Contains(t, []int{http.StatusCreated, http.StatusOK}, statuses[i])
		require.Equal(t, ids[0], ids[i])
		if statuses[i] == http.StatusCreated {
			created++
		}
	}
	require.Equal(t, 1, created)
	var n int
	err := dbtest.Pool(t).QueryRow(context.Background(),
		`SELECT count(*) FROM scanner_runs WHERE org_id = $1 AND local_run_id = 'ci-race'`, f.org.ID).Scan(&n)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestRunIDsSortByCreation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var ids []string
	for i := range 3 {
		r := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-order-"+string(rune('a'+i)), commitA))
		require.Equal(t, http.StatusCreated, r.status)
		ids = append(ids, r.body["server_run_id"].(string))
		time.Sleep(2 * time.Millisecond) // ids of distinct milliseconds must sort by time
	}
	require.Less(t, ids[0], ids[1])
	require.Less(t, ids[1], ids[2])
}

func TestRegisterRunOtherOrgRepository(t *testing.T) {
	t.Parallel()
	f := setup(t)
	other, _ := newOrgWithToken(t, uniqueLogin("globex"))
	r := f.post("/scanner/runs", f.token, runRequest(other.Login, "ci-1", commitA))
	requireProblem(t, r, http.StatusForbidden, "")
}

func TestRegisterRunTokenStates(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pool := dbtest.Pool(t)
	ctx := context.Background()

	revoked, rec, err := store.CreateToken(ctx, pool, f.org.ID, "revoked", nil)
	require.NoError(t, err)
	_, err = store.RevokeToken(ctx, pool, rec.ID)
	require.NoError(t, err)
	past := time.Now().Add(-time.Minute)
	expired, _, err := store.CreateToken(ctx, pool, f.org.ID, "expired", &past)
	require.NoError(t, err)

	cases := map[string]string{
		"revoked": revoked,
		"expired": expired,
		"unknown": "cct_" + strings.Repeat("A", 43),
		"foreign": "ghp_notourtoken",
		"empty":   "",
	}
	for name, token := range cases {
		r := f.post("/scanner/runs", token, runRequest(f.org.Login, "ci-1", commitA))
		requireProblem(t, r, http.StatusUnauthorized, "")
		require.NotEmpty(t, r.header.Get("WWW-Authenticate"), name)
	}
	r := f.post("/scanner/runs", revoked, runRequest(f.org.Login, "ci-1", commitA))
	require.Contains(t, r.body["detail"], "revoked")
	r = f.post("/scanner/runs", expired, runRequest(f.org.Login, "ci-1", commitA))
	require.Contains(t, r.body["detail"], "expired")
}

func TestRegisterRunSuspendedInstallation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := dbtest.Pool(t).Exec(context.Background(),
		`INSERT INTO installations (github_installation_id, org_id, account_login, status)
		 VALUES ((random() * 1e12)::bigint, $1, $2, 'suspended')`, f.org.ID, f.org.Login)
	require.NoError(t, err)
	r := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-1", commitA))
	requireProblem(t, r, http.StatusForbidden, "")
	require.Contains(t, r.body["detail"], "suspended")
}

func TestRegisterRunBadInput(t *testing.T) {
	t.Parallel()
	f := setup(t)
	valid := func(mut func(m map[string]any)) map[string]any {
		m := runRequest(f.org.Login, "ci-1", commitA)
		mut(m)
		return m
	}
	cases := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"malformed json", `{"local_run_id": `, 400, ""},
		{"not an object", `[1,2]`, 400, ""},
		{"trailing data", `{"local_run_id":"x"} {}`, 400, ""},
		{"wrong type", valid(func(m map[string]any) { m["local_run_id"] = 7 }), 400, "local_run_id"},
		{"wrong nested type", valid(func(m map[string]any) { m["repo"] = map[string]any{"owner": 1, "name": "w"} }), 400, "repo.owner"},
		{"missing local_run_id", valid(func(m map[string]any) { delete(m, "local_run_id") }), 400, "local_run_id"},
		{"empty local_run_id", valid(func(m map[string]any) { m["local_run_id"] = "" }), 400, "local_run_id"},
		{"long local_run_id", valid(func(m map[string]any) { m["local_run_id"] = strings.Repeat("x", 129) }), 400, "local_run_id"},
		{"control char local_run_id", valid(func(m map[string]any) { m["local_run_id"] = "a\tb" }), 400, "local_run_id"},
		{"missing repo", valid(func(m map[string]any) { delete(m, "repo") }), 400, "repo"},
		{"missing owner", valid(func(m map[string]any) { m["repo"] = map[string]any{"name": "w"} }), 400, "repo.owner"},
		{"bad owner", valid(func(m map[string]any) { m["repo"] = map[string]any{"owner": "-acme", "name": "w"} }), 400, "repo.owner"},
		{"bad name", valid(func(m map[string]any) { m["repo"] = map[string]any{"owner": f.org.Login, "name": "a/b"} }), 400, "repo.name"},
		{"dot name", valid(func(m map[string]any) { m["repo"] = map[string]any{"owner": f.org.Login, "name": ".."} }), 400, "repo.name"},
		{"missing commit", valid(func(m map[string]any) { delete(m, "commit") }), 400, "commit"},
		{"short commit", valid(func(m map[string]any) { m["commit"] = "abc123" }), 400, "commit"},
		{"non-hex commit", valid(func(m map[string]any) { m["commit"] = strings.Repeat("g", 40) }), 400, "commit"},
		{"bad etag", valid(func(m map[string]any) { m["etag"] = "nope" }), 400, "etag"},
		{"bad pull request", valid(func(m map[string]any) { m["pull_request"] = 0 }), 400, "pull_request"},
		{"unknown field", valid(func(m map[string]any) { m["comit"] = commitA }), 400, "comit"},
		{"scanner without name", valid(func(m map[string]any) { m["scanner"] = map[string]any{"version": "1"} }), 400, "scanner.name"},
	}
	for _, c := range cases {
		r := f.post("/scanner/runs", f.token, c.body)
		requireProblem(t, r, c.status, c.field)
	}
}

func TestRegisterRunAcceptsOptionalFields(t *testing.T) {
	t.Parallel()
	f := setup(t)
	body := runRequest(f.org.Login, "ci-opt", strings.ToUpper(commitA))
	body["ref"] = "refs/heads/main"
	body["pull_request"] = 42
	body["scanner"] = map[string]any{"name": "acme-scan", "version": "1.2.3"}
	body["etag"] = `W/"` + strings.Repeat("ab", 32) + `"`
	r := f.post("/scanner/runs", f.token, body)
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
	var commit, scanner string
	var pr int
	err := dbtest.Pool(t).QueryRow(context.Background(),
		`SELECT commit_sha, pull_request, scanner_name FROM scanner_runs WHERE id = $1`, r.body["server_run_id"]).
		Scan(&commit, &pr, &scanner)
	require.NoError(t, err)
	require.Equal(t, commitA, commit)
	require.Equal(t, 42, pr)
	require.Equal(t, "acme-scan", scanner)
}

func TestRequestLimits(t *testing.T) {
	t.Parallel()
	f := setup(t, func(o *options) { o.maxBody = 2048 })
	big := runRequest(f.org.Login, "ci-1", commitA)
	big["ref"] = strings.Repeat("r", 4000)
	requireProblem(t, f.post("/scanner/runs", f.token, big), http.StatusRequestEntityTooLarge, "")

	r := f.do(http.MethodPost, "/scanner/runs", f.token, "text/plain", strings.NewReader("{}"))
	requireProblem(t, r, http.StatusUnsupportedMediaType, "")

	r = f.do(http.MethodGet, "/scanner/runs", f.token, "", nil)
	requireProblem(t, r, http.StatusMethodNotAllowed, "")
	require.Equal(t, "POST", r.header.Get("Allow"))

	r = f.do(http.MethodGet, "/nowhere", "", "", nil)
	requireProblem(t, r, http.StatusNotFound, "")
}

func TestRegisterRunGzipBody(t *testing.T) {
	t.Parallel()
	f := setup(t)
	data := []byte(`{"local_run_id":"ci-gz","repo":{"owner":"` + f.org.Login + `","name":"widgets"},"commit":"` + commitA + `"}`)
	r := f.do(http.MethodPost, "/scanner/runs", f.token, "application/json",
		strings.NewReader(string(gzipped(t, data))), "Content-Encoding", "gzip")
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))

	r = f.do(http.MethodPost, "/scanner/runs", f.token, "application/json",
		strings.NewReader("not gzip"), "Content-Encoding", "gzip")
	requireProblem(t, r, http.StatusBadRequest, "")
}

func TestRateLimitPerToken(t *testing.T) {
	t.Parallel()
	f := setup(t, func(o *options) { o.rateLimit = 3 })
	for i := range 3 {
		r := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-rl", commitA))
		require.Contains(t, []int{http.StatusCreated, http.StatusOK}, r.status, i)
	}
	r := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-rl", commitA))
	requireProblem(t, r, http.StatusTooManyRequests, "")
	require.NotEmpty(t, r.header.Get("Retry-After"))

	_, otherToken := newOrgWithToken(t, uniqueLogin("initech"))
	r = f.post("/scanner/runs", otherToken, runRequest(f.org.Login, "ci-rl", commitA))
	require.NotEqual(t, http.StatusTooManyRequests, r.status)
}

func TestBadTokensRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	f := setup(t, func(o *options) { o.authFailures = 3 })
	for range 3 {
		r := f.post("/scanner/runs", "cct_guess", runRequest(f.org.Login, "ci-1", commitA))
		requireProblem(t, r, http.StatusUnauthorized, "")
	}
	r := f.post("/scanner/runs", "cct_guess", runRequest(f.org.Login, "ci-1", commitA))
	requireProblem(t, r, http.StatusTooManyRequests, "")
	require.NotEmpty(t, r.header.Get("Retry-After"))
	// Even a valid token from that address waits out the window.
	r = f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-1", commitA))
	requireProblem(t, r, http.StatusTooManyRequests, "")
}

func TestRevokedTokenCachedUntilTTL(t *testing.T) {
	t.Parallel()
	const ttl = 300 * time.Millisecond
	f := setup(t, func(o *options) { o.tokenTTL = ttl })
	ctx := context.Background()
	token, rec, err := store.CreateToken(ctx, dbtest.Pool(t), f.org.ID, "cached", nil)
	require.NoError(t, err)
	first := f.post("/scanner/runs", token, runRequest(f.org.Login, "ci-cache", commitA))
	require.Equal(t, http.StatusCreated, first.status, string(first.raw))
	_, err = store.RevokeToken(ctx, dbtest.Pool(t), rec.ID)
	require.NoError(t, err)

	// Within the TTL this replica still accepts the token; after it, the
	// revocation applies.
	deadline := time.Now().Add(10 * ttl)
	var last response
	for time.Now().Before(deadline) {
		last = f.post("/scanner/runs", token, runRequest(f.org.Login, "ci-cache", commitA))
		if last.status == http.StatusUnauthorized {
			break
		}
		require.Equal(t, http.StatusOK, last.status, string(last.raw))
		time.Sleep(ttl / 5)
	}
	requireProblem(t, last, http.StatusUnauthorized, "")
	require.Contains(t, last.body["detail"], "revoked")
}
