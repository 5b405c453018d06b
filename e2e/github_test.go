package e2e

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
	"github.com/centralcloud/centralcloud/internal/fixtures"
)

// fakeGitHub is the fake GitHub API server process and its control API.
type fakeGitHub struct {
	t      *testing.T
	proc   *process
	apiURL string // REST API root, with a trailing slash
	webURL string
	admin  string // control API root, with a trailing slash
}

func startFakeGitHub(t *testing.T, bin, keyPath, seedPath string) *fakeGitHub {
	t.Helper()
	fixturesDir, err := fixtures.Dir("github")
	if err != nil {
		t.Fatal(err)
	}
	proc, apiURL := startProcess(t, "fakegithub", bin, nil, true,
		"-app-id", fmt.Sprint(appID), "-private-key", keyPath, "-seed", seedPath,
		"-fixtures", fixturesDir)
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		t.Fatalf("fakegithub printed %q, not its API URL", apiURL)
	}
	root := u.Scheme + "://" + u.Host
	return &fakeGitHub{t: t, proc: proc, apiURL: apiURL, webURL: root + "/", admin: root + "/_fakegithub/"}
}

// control sends a request to the fake's control API and decodes the JSON
// response into out, when out is not nil.
func (f *fakeGitHub) control(method, path string, body, out any) {
	f.t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			f.t.Fatalf("encode control request: %v", err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, f.admin+path, reader)
	if err != nil {
		f.t.Fatalf("build control request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatalf("fakegithub control %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		f.t.Fatalf("fakegithub control %s %s: %s: %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			f.t.Fatalf("decode fakegithub control response: %v", err)
		}
	}
}

// checkRuns returns the check runs on a commit, oldest first.
func (f *fakeGitHub) checkRuns(repo, sha string) []fakegithub.CheckRun {
	var runs []fakegithub.CheckRun
	q := url.Values{"owner": {accountLogin}, "repo": {repo}, "head_sha": {sha}}
	f.control(http.MethodGet, "check-runs?"+q.Encode(), nil, &runs)
	return runs
}

// calls returns every REST API request the fake received.
func (f *fakeGitHub) calls() []fakegithub.Call {
	var calls []fakegithub.Call
	f.control(http.MethodGet, "calls", nil, &calls)
	return calls
}

// issueToken returns a new installation access token (ghs_…).
func (f *fakeGitHub) issueToken(installation int64) string {
	var resp struct {
		Token string `json:"token"`
	}
	f.control(http.MethodPost, fmt.Sprintf("installations/%d/tokens", installation), struct{}{}, &resp)
	return resp.Token
}

// injectLatency delays the next times requests to route by latency.
func (f *fakeGitHub) injectLatency(route string, times int, latency string) {
	f.control(http.MethodPost, "faults", map[string]any{
		"route": route, "times": times, "kind": "none", "latency": latency,
	}, nil)
}

func (f *fakeGitHub) clearFaults() {
	f.control(http.MethodDelete, "faults", nil, nil)
}

// deliver posts a webhook payload to a replica as GitHub does: signed
// with the webhook secret, with a new delivery id. It returns the status.
func (c *cluster) deliver(s *server, event string, payload []byte) int {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/api/github/hook", bytes.NewReader(payload))
	if err != nil {
		c.t.Fatalf("build delivery: %v", err)
	}
	mac := hmac.New(sha256.New, []byte(c.webhookSecret))
	mac.Write(payload)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/e2e")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", uuid.NewString())
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
	req.Header.Set("X-GitHub-Hook-Installation-Target-ID", fmt.Sprint(appID))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("deliver %s to %s: %v", event, s.proc.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		c.t.Logf("delivery of %s to %s: %s: %s", event, s.proc.name, resp.Status, strings.TrimSpace(string(body)))
	}
	return resp.StatusCode
}

// withInstallation returns a webhook payload with its installation
// replaced by {"id": id}. The recorded pull_request payloads come from a
// different capture than the installation payloads and name installation
// 1; GitHub sends the id of the installation that receives the delivery.
func withInstallation(t *testing.T, payload []byte, id int64) []byte {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	fields["installation"] = json.RawMessage(fmt.Sprintf(`{"id":%d}`, id))
	data, err := json.Marshal(fields)
	if err != nil {
		t.Fatalf("encode payload: %v", err)
	}
	return data
}
