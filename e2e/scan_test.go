package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// scanResult is the outcome of one centralcloud scan: its exit status and
// the key: value lines it printed.
type scanResult struct {
	code   int
	out    map[string]string
	stderr string
}

// scan runs centralcloud scan against a replica, with the token in the
// environment as CI passes it, and returns what it printed.
func (c *cluster) scan(s *server, token, repo, commit string, args ...string) scanResult {
	c.t.Helper()
	full := append([]string{"scan", "--server", s.url, "--owner", accountLogin, "--repo", repo,
		"--commit", commit}, args...)
	cmd := exec.CommandContext(c.ctx, c.bins.centralcloud, full...)
	cmd.Env = append(baseEnv(), "CENTRALCLOUD_SCAN_TOKEN="+token)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := scanResult{out: map[string]string{}, stderr: stderr.String()}
	if exitErr, ok := err.(*exec.ExitError); ok {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		c.t.Fatalf("run centralcloud scan: %v", err)
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if key, value, ok := strings.Cut(line, ": "); ok {
			r.out[key] = value
		}
	}
	if strings.Contains(stdout.String()+r.stderr, token) {
		c.t.Fatalf("centralcloud scan printed the token")
	}
	return r
}

// Expected outcomes of a scan. Exit status 1 covers both a blocked run and
// a failure, so requireScan reads standard error to separate them.
const (
	scanPassed  = 0
	scanBlocked = 1
)

// requireScan fails the test unless the scan passed or was blocked, as
// expected. The failure message carries the scan's standard error.
func requireScan(t *testing.T, r scanResult, expected int) {
	t.Helper()
	blocked := r.code == 1 && strings.Contains(r.stderr, "run blocked:")
	if (expected == scanBlocked && !blocked) || (expected == scanPassed && r.code != 0) {
		t.Fatalf("centralcloud scan exited %d, expected %d; output %v; stderr:\n%s", r.code, expected, r.out, r.stderr)
	}
}
