package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/internal/fixtures"
	"github.com/centralcloud/centralcloud/store"
)

// scanServer is the real HTTP API, assembled by newService as serve does
// and with its background tasks running, with one org and a token for it.
type scanServer struct {
	url   string
	org   string
	token string
}

func newScanServer(t *testing.T) *scanServer {
	t.Helper()
	pool := dbtest.Pool(t)
	app := &cliApp{stdout: io.Discard, stderr: io.Discard, cfg: config.Default(), logger: zerolog.Nop()}
	app.cfg.Database.URL = dbtest.URL(t)
	app.cfg.DataDir = t.TempDir()
	app.pool = pool
	reg := newRegistry()
	svc, err := newService(app, pool, roles{serve: true}, reg, reg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var background sync.WaitGroup
	for _, run := range svc.background {
		background.Go(func() { _ = run(ctx) })
	}
	t.Cleanup(func() {
		cancel()
		background.Wait()
	})
	srv := svc.http
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)

	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	login := "scan-" + hex.EncodeToString(suffix)
	org, _, err := store.CreateOrg(context.Background(), pool, login)
	require.NoError(t, err)
	token, _, err := store.CreateToken(context.Background(), pool, org.ID, "scan test", nil)
	require.NoError(t, err)
	return &scanServer{url: ts.URL, org: login, token: token}
}

// scanOutput is the key: value lines that scan prints.
type scanOutput map[string]string

func runScanCLI(t *testing.T, args ...string) (result, scanOutput) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), append([]string{"scan"}, args...), &stdout, &stderr)
	out := scanOutput{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if key, value, ok := strings.Cut(line, ": "); ok {
			out[key] = value
		}
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}, out
}

func (s *scanServer) args(commit string, extra ...string) []string {
	return append([]string{"--server", s.url, "--token", s.token, "--owner", s.org,
		"--repo", "widgets", "--commit", commit}, extra...)
}

func randomCommit(t *testing.T) string {
	t.Helper()
	b := make([]byte, 20)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func TestScanBlockedRunExitsOne(t *testing.T) {
	t.Parallel()
	srv := newScanServer(t)
	sarif := fixtures.Path(t, "sarif", "semgrep-nosemgrep-suppressed.sarif.json")

	r, out := runScanCLI(t, srv.args(randomCommit(t), "--sarif", sarif)...)
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "run blocked: 1 findings at or above fail_on error")
	require.NotEmpty(t, out["server_run_id"])
	require.Equal(t, "created", out["run"])
	require.Equal(t, "telemetry_enabled=true learning_enabled=true fail_on=error", out["policies"])
	require.Len(t, out["patterns_etag"], 64)
	require.Equal(t, "true", out["patterns_changed"])
	require.Equal(t, "failure", out["conclusion"])
	require.Equal(t, "1", out["blocking_count"], "the suppressed result does not block")
	require.Equal(t, "2 sent, 2 stored", out["findings"])
}

func TestScanCleanRunExitsZero(t *testing.T) {
	t.Parallel()
	srv := newScanServer(t)
	sarif := fixtures.Path(t, "sarif", "gitleaks-secret-nonstandard-fingerprints.sarif.json")

	r, out := runScanCLI(t, srv.args(randomCommit(t), "--sarif", sarif)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "success", out["conclusion"])
	require.Equal(t, "0", out["blocking_count"])
	require.Equal(t, "1 sent, 0 duplicate", out["events"])
}

func TestScanRerunReusesRunAndEvents(t *testing.T) {
	t.Parallel()
	srv := newScanServer(t)
	commit := randomCommit(t)
	args := srv.args(commit, "--sarif", fixtures.Path(t, "sarif", "checkov-terraform-127-results.sarif.json"),
		"--sarif", fixtures.Path(t, "sarif", "msbuild-result-without-location.sarif.json"))

	first, firstOut := runScanCLI(t, args...)
	second, secondOut := runScanCLI(t, args...)
	require.Equal(t, first.code, second.code, second.stderr)
	require.Equal(t, firstOut["server_run_id"], secondOut["server_run_id"])
	require.Equal(t, "existing", secondOut["run"])
	require.Equal(t, "2 sent, 2 duplicate", secondOut["events"])
	require.Equal(t, "134 sent, 0 stored", secondOut["findings"])
	require.Equal(t, firstOut["conclusion"], secondOut["conclusion"])
	require.Equal(t, firstOut["blocking_count"], secondOut["blocking_count"])
}

func TestScanNativeFindingsInBatches(t *testing.T) {
	t.Parallel()
	srv := newScanServer(t)
	var findings []map[string]any
	for i := range 5 {
		findings = append(findings, map[string]any{"pattern_id": "weak-hash", "path": "app/hash.go",
			"start_line": i + 1, "end_line": i + 1, "severity": "warning", "message": "MD5 used"})
	}
	file := filepath.Join(t.TempDir(), "findings.json")
	data, err := json.Marshal(map[string]any{"findings": findings, "summary": "5 weak hashes"})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, data, 0o600))

	r, out := runScanCLI(t, srv.args(randomCommit(t), "--findings", file, "--batch-size", "2")...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "3 sent, 0 duplicate", out["events"])
	require.Equal(t, "5 sent, 5 stored", out["findings"])
	require.Equal(t, "success", out["conclusion"])
}

func TestScanStateDirKeepsETag(t *testing.T) {
	t.Parallel()
	srv := newScanServer(t)
	stateDir := filepath.Join(t.TempDir(), "state")
	sarif := fixtures.Path(t, "sarif", "gitleaks-secret-nonstandard-fingerprints.sarif.json")

	r, first := runScanCLI(t, srv.args(randomCommit(t), "--sarif", sarif, "--state-dir", stateDir)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "true", first["patterns_changed"])
	require.Equal(t, "inline", first["patterns_delivery"], "the registration response carries the snapshot")
	require.FileExists(t, filepath.Join(stateDir, "state.json"))
	require.FileExists(t, filepath.Join(stateDir, "snapshot.json"))

	r, second := runScanCLI(t, srv.args(randomCommit(t), "--sarif", sarif, "--state-dir", stateDir)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "false", second["patterns_changed"])
	require.Equal(t, "unchanged", second["patterns_delivery"])
	require.Equal(t, first["patterns_etag"], second["patterns_etag"])
}

func TestScanInvalidTokenExitsOne(t *testing.T) {
	t.Parallel()
	srv := newScanServer(t)
	secret := "cct_" + strings.Repeat("0", 40)
	args := srv.args(randomCommit(t), "--sarif", fixtures.Path(t, "sarif", "gitleaks-secret-nonstandard-fingerprints.sarif.json"))
	args[3] = secret

	r, _ := runScanCLI(t, args...)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "401")
	require.NotContains(t, r.stdout+r.stderr, secret, "the token is never printed")
}

func TestScanInvalidSARIFExitsOne(t *testing.T) {
	t.Parallel()
	srv := newScanServer(t)
	sarif := fixtures.Path(t, "sarif", "binskim-v2.0.0-bom-trailing-comma-INVALID.sarif.json")

	r, _ := runScanCLI(t, srv.args(randomCommit(t), "--sarif", sarif)...)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "invalid SARIF log")
}

func TestScanUsageErrorsExitTwo(t *testing.T) {
	t.Parallel()
	commit := strings.Repeat("a", 40)
	base := []string{"--server", "http://127.0.0.1:1", "--token", "cct_x", "--owner", "acme", "--repo", "widgets"}
	cases := map[string][]string{
		"no results":       append(append([]string{}, base...), "--commit", commit),
		"short commit":     append(append([]string{}, base...), "--commit", "abc123", "--sarif", "x.sarif"),
		"relative server":  {"--server", "localhost", "--token", "t", "--owner", "acme", "--repo", "w", "--commit", commit, "--sarif", "x"},
		"bad owner":        {"--server", "http://x", "--token", "t", "--owner", "-acme", "--repo", "w", "--commit", commit, "--sarif", "x"},
		"zero batch size":  append(append([]string{}, base...), "--commit", commit, "--sarif", "x", "--batch-size", "0"),
		"unknown flag":     append(append([]string{}, base...), "--commit", commit, "--bogus"),
		"negative pull":    append(append([]string{}, base...), "--commit", commit, "--sarif", "x", "--pull-request", "-1"),
		"extra arguments":  append(append([]string{}, base...), "--commit", commit, "--sarif", "x", "extra"),
		"missing repo":     {"--server", "http://x", "--token", "t", "--owner", "acme", "--commit", commit, "--sarif", "x"},
		"missing --server": {"--token", "t", "--owner", "acme", "--repo", "w", "--commit", commit, "--sarif", "x"},
	}
	for name, args := range cases {
		r, _ := runScanCLI(t, args...)
		require.Equal(t, 2, r.code, "%s: %s", name, r.stderr)
		require.Contains(t, r.stderr, "--help", name)
		require.Equal(t, 1, strings.Count(r.stderr, "centralcloud:"), "%s: one error line", name)
	}
}

// TestScanTokenFromEnvironment uses t.Setenv, so it does not run in
// parallel.
func TestScanTokenFromEnvironment(t *testing.T) {
	srv := newScanServer(t)
	t.Setenv(envScanToken, srv.token)
	args := []string{"--server", srv.url, "--owner", srv.org, "--repo", "widgets", "--commit", randomCommit(t),
		"--sarif", fixtures.Path(t, "sarif", "gitleaks-secret-nonstandard-fingerprints.sarif.json")}

	r, out := runScanCLI(t, args...)
	require.Equal(t, 0, r.code, r.stderr)
	require.NotEmpty(t, out["server_run_id"])
	require.NotContains(t, r.stdout+r.stderr, srv.token)
}
