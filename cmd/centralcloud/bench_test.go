package main

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/database/dbtest"
)

// TestBenchRunsEveryScenario runs the bench with a few requests per
// scenario on the package's test database and checks that every scenario
// ran without errors and reported its limit. It asserts no figures.
func TestBenchRunsEveryScenario(t *testing.T) {
	t.Setenv(runMainEnv, "1")
	r := cli(t, "bench", "--scratch-database", scratchDatabase(t), "--requests", "4", "--concurrency", "2",
		"--duration", "10s", "--webhook-rate", "200", "--checks-rate", "20")
	require.Equal(t, 0, r.code, r.stderr+r.stdout)
	for _, scenario := range []string{
		"snapshot 304", "snapshot 200", "runs fresh", "runs fresh, SQL statement alone", "runs fresh, bare HTTP handler",
		"runs replay", "events 100 native findings", "events SARIF", "webhook pull_request.synchronize", "webhook at 200/s", "queue send",
		"queue read 10 + delete", "checks pipeline at 20 runs/s",
	} {
		require.Contains(t, r.stdout, scenario)
	}
	require.Contains(t, r.stdout, "ours/limit")
	require.Contains(t, r.stdout, "idle RSS")
	require.Contains(t, r.stdout, "load average before the run")
	require.Contains(t, r.stdout, "of the serve process", "the bench must load a serve process of its own")
	require.NotContains(t, r.stdout, "first error")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Greater(t, len(lines), 11)
}

// TestBenchEmbeddedLeavesNothing runs the bench on its default, a new
// embedded database in a temporary folder, and checks that the folder and
// its PostgreSQL server are gone when the command returns.
func TestBenchEmbeddedLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded PostgreSQL")
	}
	dbtest.Pool(t) // a throwaway test cluster must not start in tmp
	tmp, err := os.MkdirTemp("", "bench-embedded-test-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	// The embedded server runs as postgres when the tests run as root.
	require.NoError(t, os.Chmod(tmp, 0o711))
	t.Setenv("TMPDIR", tmp)
	t.Setenv(runMainEnv, "1")

	r := cli(t, "bench", "--only", "queue", "--requests", "4", "--concurrency", "2", "--duration", "10s")
	require.Equal(t, 0, r.code, r.stderr+r.stdout)
	require.Contains(t, r.stdout, "queue send")

	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, left, "the bench left files in its temporary folder")
	out, _ := exec.Command("pgrep", "-f", "postgres -D "+tmp).Output()
	require.Empty(t, strings.TrimSpace(string(out)), "a PostgreSQL server of the bench still runs")
}

func TestBenchRejectsUsedScratchDatabase(t *testing.T) {
	scratch := scratchDatabase(t)
	conn, err := pgx.Connect(context.Background(), scratch)
	require.NoError(t, err)
	_, err = conn.Exec(context.Background(), `CREATE TABLE left_behind (id int)`)
	require.NoError(t, err)
	require.NoError(t, conn.Close(context.Background()))

	r := cli(t, "bench", "--scratch-database", scratch, "--requests", "4")
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "is not empty (1 tables)")
}

func TestBenchRejectsUnknownGroup(t *testing.T) {
	r := cli(t, "bench", "--only", "runs,snapshots")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, `unknown scenario group "snapshots" in --only`)
	require.Contains(t, r.stderr, "snapshot, checks, queue, webhooks, runs, events")
}

func TestBenchServerNeedsToken(t *testing.T) {
	r := cli(t, "bench", "--server", "http://127.0.0.1:1")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "--server needs --token and --owner")
}

func TestBenchRejectsBadFlags(t *testing.T) {
	server := []string{"--server", "http://127.0.0.1:1", "--token", "cct_x", "--owner", "acme"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--requests", "0"}, "--requests 0 is invalid"},
		{[]string{"--concurrency", "-1"}, "--concurrency -1 is invalid"},
		{[]string{"--duration", "0s"}, "--duration 0s is invalid"},
		{[]string{"--webhook-rate", "-5"}, "--webhook-rate -5 is invalid"},
		{[]string{"--webhook-rate", "Inf"}, "--webhook-rate +Inf is invalid"},
		{[]string{"--checks-rate", "5000"}, "--checks-rate 5000 is invalid"},
		{[]string{"--only", ""}, "--only is empty"},
		{[]string{"--token", "cct_x"}, "--token applies only with --server"},
		{[]string{"--pid", "1"}, "--pid applies only with --server"},
		{[]string{"--scratch-database", "not a url"}, "--scratch-database is not a PostgreSQL URL"},
		{[]string{"--server", "127.0.0.1:8080", "--token", "t", "--owner", "o"}, "is not an http URL"},
		{[]string{"--server", "http://192.0.2.10:8080", "--token", "t", "--owner", "o"}, "is not on loopback"},
		{append(server, "--serve-cpuprofile", "x.cpu"), "--serve-cpuprofile applies only to the service that the bench starts"},
		{append(server, "--scratch-database", "postgres://127.0.0.1/x"), "--scratch-database applies only to the service"},
		{append(server, "--pid", "999999999"), "--pid 999999999 names no running process"},
	}
	for _, c := range cases {
		r := cli(t, append([]string{"bench"}, c.args...)...)
		assert.Equal(t, 2, r.code, "%v: %s", c.args, r.stderr)
		assert.Contains(t, r.stderr, c.want, "%v", c.args)
	}
}

// scratchDatabase creates an empty database on the test server for one
// bench run and drops it after the test. The bench publishes a pattern set
// under a key that other tests cannot read, so it must not share theirs.
func scratchDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	name := "bench_" + randomSuffix()
	_, err := pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := pool.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		require.NoError(t, err)
	})
	u, err := url.Parse(dbtest.URL(t))
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func TestBenchServeEnvOverridesConfig(t *testing.T) {
	cfg := config.Default()
	cfg.HTTP.Addr = "127.0.0.1:40001"
	cfg.GitHub.AppID, cfg.GitHub.WebhookSecret = 7, "s3cret"
	cfg.Snapshots.Keys, cfg.Snapshots.ActiveKeyID = []string{"k1:AAAA", "k2:BBBB"}, "k2"
	environ := []string{"PATH=/bin", "CENTRALCLOUD_HTTP_ADDR=127.0.0.1:8080",
		"CENTRALCLOUD_GITHUB_PRIVATE_KEY_FILE=/etc/key.pem", "CENTRALCLOUD_QUEUE_CHECKS_CONCURRENCY=9"}

	env := map[string][]string{}
	for _, kv := range benchServeEnv(environ, cfg, "postgres://127.0.0.1:5999/db") {
		name, value, _ := strings.Cut(kv, "=")
		env[name] = append(env[name], value)
	}
	require.Equal(t, []string{"/bin"}, env["PATH"])
	require.Equal(t, []string{"9"}, env["CENTRALCLOUD_QUEUE_CHECKS_CONCURRENCY"], "other settings pass through")
	require.Equal(t, []string{"127.0.0.1:40001"}, env["CENTRALCLOUD_HTTP_ADDR"], "a bench setting replaces the variable")
	require.Equal(t, []string{""}, env["CENTRALCLOUD_GITHUB_PRIVATE_KEY_FILE"], "a file key is cleared")
	require.Equal(t, []string{"postgres://127.0.0.1:5999/db"}, env["CENTRALCLOUD_DATABASE_URL"])
	require.Equal(t, []string{"false"}, env["CENTRALCLOUD_DATABASE_MIGRATE_ON_START"])
	require.Equal(t, []string{"7"}, env["CENTRALCLOUD_GITHUB_APP_ID"])
	require.Equal(t, []string{"k1:AAAA,k2:BBBB"}, env["CENTRALCLOUD_SNAPSHOTS_KEYS"])

	known := config.EnvNames()
	for name, values := range env {
		require.Len(t, values, 1, "%s is set once", name)
		if strings.HasPrefix(name, "CENTRALCLOUD_") {
			require.Contains(t, known, name, "%s names no configuration key", name)
		}
	}
}
