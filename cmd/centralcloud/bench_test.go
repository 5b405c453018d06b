package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
)

// TestBenchRunsEveryScenario runs the bench with a few requests per
// scenario on the package's test database and checks that every scenario
// ran without errors and reported its limit. It asserts no figures.
func TestBenchRunsEveryScenario(t *testing.T) {
	r := cli(t, "bench", "--scratch-database", scratchDatabase(t), "--requests", "4", "--concurrency", "2",
		"--duration", "10s", "--webhook-rate", "200", "--checks-rate", "20")
	require.Equal(t, 0, r.code, r.stderr+r.stdout)
	for _, scenario := range []string{
		"snapshot 304", "snapshot 200", "runs fresh", "runs replay", "events 100 native findings",
		"events SARIF", "webhook pull_request.synchronize", "webhook at 200/s", "queue send",
		"queue read 10 + delete", "checks pipeline at 20 runs/s",
	} {
		require.Contains(t, r.stdout, scenario)
	}
	require.Contains(t, r.stdout, "ours/limit")
	require.Contains(t, r.stdout, "idle RSS")
	require.NotContains(t, r.stdout, "first error")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Greater(t, len(lines), 11)
}

func TestBenchServerNeedsToken(t *testing.T) {
	r := cli(t, "bench", "--server", "http://127.0.0.1:1")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "--server needs --token and --owner")
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
