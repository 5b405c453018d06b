package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBenchRunsEveryScenario runs the bench with a few requests per
// scenario on the package's test database and checks that every scenario
// ran without errors and reported its limit. It asserts no figures.
func TestBenchRunsEveryScenario(t *testing.T) {
	r := cli(t, "bench", "--requests", "4", "--concurrency", "2", "--duration", "10s",
		"--webhook-rate", "200", "--checks-rate", "20")
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
