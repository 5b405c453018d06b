package reliability

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// FuzzScannerRuns posts fuzzed bodies to POST /scanner/runs through the
// real router and database. Run it longer with:
// go test -run '^$' -fuzz FuzzScannerRuns -fuzztime 10m ./reliability
func FuzzScannerRuns(f *testing.F) {
	e := setup(f)
	f.Add(mustJSON(runBody(e.a.login, e.a.repo.Name, "ci-1", commitOne)))
	f.Add(mustJSON(map[string]any{
		"local_run_id": "ci-2", "repo": map[string]any{"owner": e.a.login, "name": "widgets"},
		"commit": strings.Repeat("ab", 32), "etag": `"` + strings.Repeat("0", 64) + `"`,
		"ref": "refs/pull/7/head", "pull_request": 7, "scanner": map[string]any{"name": "s", "version": "1"},
	}))
	f.Add(mustJSON(runBody(e.b.login, e.b.repo.Name, "ci-1", commitOne)))
	f.Add([]byte(`{"local_run_id": "", "repo": null, "commit": 7}`))
	f.Add([]byte(`{"local_run_id": "x"} {"again": true}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := e.fuzzRequest(t, http.MethodPost, "/scanner/runs", body, jsonHeader(e.a.orgToken))
		requireNoServerError(t, r)
	})
}

// FuzzScannerEvents posts fuzzed bodies to POST /scanner/events; the
// seeds carry the recorded SARIF logs and native results for a run of
// the token's org.
func FuzzScannerEvents(f *testing.F) {
	e := setup(f)
	run := e.registerRun(e.a, e.a.orgToken, "fuzz-events")
	other := e.registerRun(e.b, e.b.orgToken, "fuzz-events")
	f.Add(mustJSON(eventBody(run, "batch", false)))
	f.Add(mustJSON(eventBody(other, "batch", false)))
	f.Add(mustJSON(eventBody(uuid.NewString(), "", true)))
	for _, log := range sarifFixtures(f) {
		f.Add([]byte(`{"server_run_id": "` + run + `", "final": false, "results": ` + string(log) + `}`))
	}
	f.Add([]byte(`{"server_run_id": "` + run + `", "results": {"findings": [{"pattern_id": "p", "severity": "fatal"}]}}`))
	f.Add([]byte(`{"server_run_id": "` + run + `", "results": {}, "metrics": [1, 2]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := e.fuzzRequest(t, http.MethodPost, "/scanner/events", body, jsonHeader(e.a.orgToken))
		requireNoServerError(t, r)
	})
}

// FuzzSnapshotHeaders sends fuzzed If-None-Match and X-Client-Key
// headers to GET and HEAD /patterns/snapshot.
func FuzzSnapshotHeaders(f *testing.F) {
	e := setup(f)
	head := e.do(http.MethodHead, "/patterns/snapshot", e.a.orgToken, nil)
	require.Equal(f, http.StatusOK, head.status)
	etag := head.header.Get("ETag")
	for _, inm := range []string{"", "*", etag, "W/" + etag, `"a", ` + etag, `"a" "b"`, `W/`, `*, "a"`, `"`, ",,,"} {
		f.Add(inm, "")
	}
	f.Add("", "x25519:AAAA")
	f.Add("", "not a key")
	f.Add(`"a"`, strings.Repeat("A", 64))
	f.Fuzz(func(t *testing.T, ifNoneMatch, clientKey string) {
		if !validHeaderValue(ifNoneMatch) || !validHeaderValue(clientKey) {
			return
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			h := http.Header{}
			h.Set("Authorization", "Bearer "+e.a.orgToken)
			h["If-None-Match"] = []string{ifNoneMatch}
			h["X-Client-Key"] = []string{clientKey}
			r := e.fuzzRequest(t, method, "/patterns/snapshot", nil, h)
			if method == http.MethodHead && r.status >= 400 {
				// A HEAD response has no body to check.
				require.Less(t, r.status, 500)
				continue
			}
			requireNoServerError(t, r)
		}
	})
}

// FuzzWebhookPayload delivers fuzzed payloads, validly signed, for every
// recorded event type: a payload that GitHub signed but that does not
// decode must get a 4xx problem, never a server error.
func FuzzWebhookPayload(f *testing.F) {
	e := setup(f)
	dir := fixturesDir(f, "webhooks")
	require.NoError(f, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(filepath.Base(filepath.Dir(path)), data)
		return nil
	}))
	f.Add("installation", e.a.installedPayload(f))
	f.Add("pull_request", e.a.pullRequestPayload(f, commitTwo))
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		if !validHeaderValue(event) {
			return
		}
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("X-GitHub-Event", event)
		h.Set("X-GitHub-Delivery", uuid.NewString())
		h.Set("X-Hub-Signature-256", sign(body, testWebhookSecret))
		r := e.fuzzRequest(t, http.MethodPost, "/api/github/hook", body, h)
		requireNoServerError(t, r)
	})
}
