package scannerapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/internal/fixtures"
	"github.com/centralcloud/centralcloud/store"
)

func (f *fixture) registerRun(localRunID string) string {
	f.t.Helper()
	r := f.post("/scanner/runs", f.token, runRequest(f.org.Login, localRunID, commitA))
	require.Equal(f.t, http.StatusCreated, r.status, string(r.raw))
	return r.body["server_run_id"].(string)
}

func nativeFinding(pattern, severity, path string, line int) map[string]any {
	f := map[string]any{"pattern_id": pattern, "severity": severity, "message": "found " + pattern}
	if path != "" {
		f["path"] = path
		f["start_line"] = line
		f["end_line"] = line
	}
	return f
}

func event(runID string, final bool, findings ...map[string]any) map[string]any {
	if findings == nil {
		findings = []map[string]any{}
	}
	return map[string]any{
		"server_run_id": runID,
		"final":         final,
		"results":       map[string]any{"findings": findings, "summary": "scan summary"},
		"metrics":       map[string]any{"duration_ms": 1200, "files": 42},
	}
}

func queued(t *testing.T, queueName, runID string) int {
	t.Helper()
	var n int
	err := dbtest.Pool(t).QueryRow(context.Background(),
		`SELECT count(*) FROM pgmq.q_`+queueName+` WHERE message->>'server_run_id' = $1`, runID).Scan(&n)
	require.NoError(t, err)
	return n
}

func storedFindings(t *testing.T, runID string) int {
	t.Helper()
	var n int
	err := dbtest.Pool(t).QueryRow(context.Background(), `SELECT count(*) FROM findings WHERE run_id = $1`, runID).Scan(&n)
	require.NoError(t, err)
	return n
}

func TestFinalEventStoresAndConcludes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	runID := f.registerRun("ci-final")
	r := f.post("/scanner/events", f.token, event(runID, true,
		nativeFinding("sql-injection", "error", "app/db.go", 12),
		nativeFinding("weak-hash", "warning", "app/hash.go", 3),
		nativeFinding("todo", "note", "", 0)))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.Equal(t, "ok", r.body["status"])
	require.Equal(t, true, r.body["final"])
	require.EqualValues(t, 3, r.body["findings_stored"])
	require.Equal(t, true, r.body["metrics_stored"])
	require.Equal(t, true, r.body["learning_queued"])
	require.Equal(t, "failure", r.body["conclusion"])
	require.EqualValues(t, 1, r.body["blocking_count"])
	require.Len(t, r.body["blocking_finding_ids"], 1)
	require.Equal(t, 3, storedFindings(t, runID))
	require.Equal(t, 1, queued(t, "centralcloud_learning", runID))
	// run_registered at registration, run_completed now.
	require.Equal(t, 2, queued(t, "centralcloud_checks", runID))

	var status, conclusion string
	err := dbtest.Pool(t).QueryRow(context.Background(),
		`SELECT status, conclusion FROM scanner_runs WHERE id = $1`, runID).Scan(&status, &conclusion)
	require.NoError(t, err)
	require.Equal(t, "completed", status)
	require.Equal(t, "failure", conclusion)

	again := f.post("/scanner/events", f.token, event(runID, true))
	requireProblem(t, again, http.StatusConflict, "")
}

func TestBatchedEventsConcludeOverAll(t *testing.T) {
	t.Parallel()
	f := setup(t)
	runID := f.registerRun("ci-batches")
	first := f.post("/scanner/events", f.token, event(runID, false, nativeFinding("rce", "error", "main.go", 1)))
	require.Equal(t, http.StatusOK, first.status, string(first.raw))
	require.Nil(t, first.body["conclusion"])
	require.Equal(t, false, first.body["learning_queued"])
	require.Equal(t, 0, queued(t, "centralcloud_learning", runID))

	last := f.post("/scanner/events", f.token, event(runID, true, nativeFinding("style", "note", "main.go", 2)))
	require.Equal(t, http.StatusOK, last.status, string(last.raw))
	require.Equal(t, "failure", last.body["conclusion"])
	require.EqualValues(t, 1, last.body["blocking_count"])
	require.Equal(t, 2, storedFindings(t, runID))
}

func TestEventRetryWithEventIDIsDeduplicated(t *testing.T) {
	t.Parallel()
	f := setup(t)
	runID := f.registerRun("ci-dedupe")
	body := event(runID, true, nativeFinding("xss", "warning", "web/a.js", 9))
	body["event_id"] = "batch-1"
	first := f.post("/scanner/events", f.token, body)
	require.Equal(t, http.StatusOK, first.status, string(first.raw))
	require.Equal(t, false, first.body["duplicate"])
	second := f.post("/scanner/events", f.token, body)
	require.Equal(t, http.StatusOK, second.status, string(second.raw))
	require.Equal(t, true, second.body["duplicate"])
	require.Equal(t, first.body["event_id"], second.body["event_id"])
	require.Equal(t, first.body["conclusion"], second.body["conclusion"])
	require.Equal(t, "success", second.body["conclusion"])
	require.Equal(t, 1, storedFindings(t, runID))
	require.Equal(t, 1, queued(t, "centralcloud_learning", runID))
}

func TestPoliciesEnforcedWithAudit(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	pool := dbtest.Pool(t)
	require.NoError(t, store.SetPolicies(ctx, pool, f.org.ID, "test",
		map[string]string{"telemetry_enabled": "false", "learning_enabled": "false", "fail_on": "warning"}))
	runID := f.registerRun("ci-policy")
	reg := f.post("/scanner/runs", f.token, runRequest(f.org.Login, "ci-policy", commitA))
	policies := reg.body["policies"].(map[string]any)
	require.Equal(t, false, policies["telemetry_enabled"])
	require.Equal(t, false, policies["learning_enabled"])
	require.Equal(t, "warning", policies["fail_on"])

	r := f.post("/scanner/events", f.token, event(runID, true, nativeFinding("weak-hash", "warning", "a.go", 1)))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.Equal(t, false, r.body["metrics_stored"])
	require.Equal(t, false, r.body["learning_queued"])
	require.Equal(t, "failure", r.body["conclusion"], "fail_on=warning makes a warning block")
	require.Equal(t, 0, queued(t, "centralcloud_learning", runID))

	var metricsNull bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT metrics IS NULL FROM scanner_events WHERE run_id = $1`, runID).Scan(&metricsNull))
	require.True(t, metricsNull)
	events, err := store.ListAudit(ctx, pool, store.AuditFilter{OrgID: &f.org.ID})
	require.NoError(t, err)
	actions := map[string]bool{}
	for _, e := range events {
		if e.ServerRunID != nil && e.ServerRunID.String() == runID {
			actions[e.Action] = true
		}
	}
	require.True(t, actions[store.AuditTelemetryDropped])
	require.True(t, actions[store.AuditLearningSkipped])
}

func TestEventsOfAnotherOrgAreNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t)
	runID := f.registerRun("ci-tenant")
	_, otherToken := newOrgWithToken(t, uniqueLogin("globex"))
	r := f.post("/scanner/events", otherToken, event(runID, true))
	requireProblem(t, r, http.StatusNotFound, "server_run_id")
	unknown := f.post("/scanner/events", f.token, event("01a241c7-93d9-738a-b002-e66dc095cbd7", true))
	requireProblem(t, unknown, http.StatusNotFound, "server_run_id")
	require.Equal(t, r.body["detail"] != "", unknown.body["detail"] != "")
	require.Equal(t, 0, storedFindings(t, runID))
}

func TestEventBadInput(t *testing.T) {
	t.Parallel()
	f := setup(t)
	runID := f.registerRun("ci-bad-event")
	withResults := func(results any) map[string]any {
		return map[string]any{"server_run_id": runID, "results": results}
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"missing run id", map[string]any{"results": map[string]any{"findings": []any{}}}, "server_run_id"},
		{"bad run id", map[string]any{"server_run_id": "run-1", "results": map[string]any{"findings": []any{}}}, "server_run_id"},
		{"missing results", map[string]any{"server_run_id": runID}, "results"},
		{"bad severity", withResults(map[string]any{"findings": []any{map[string]any{"pattern_id": "p", "severity": "critical", "message": "m"}}}), ""},
		{"metrics not object", map[string]any{"server_run_id": runID, "results": map[string]any{"findings": []any{}}, "metrics": []int{1}}, "metrics"},
		{"final not bool", map[string]any{"server_run_id": runID, "results": map[string]any{"findings": []any{}}, "final": "yes"}, "final"},
		{"sarif old version", withResults(map[string]any{"version": "2.0.0", "runs": []any{}}), ""},
	}
	for _, c := range cases {
		r := f.post("/scanner/events", f.token, c.body)
		requireProblem(t, r, http.StatusBadRequest, c.field)
		if c.field == "" {
			require.NotEmpty(t, r.body["field"], c.name)
		}
	}
	r := f.post("/scanner/events", f.token, withResults(map[string]any{"version": "2.0.0", "runs": []any{}}))
	require.Contains(t, r.body["detail"], "2.0.0")
	require.Equal(t, 0, storedFindings(t, runID))
}

func sarifFixture(t *testing.T, name string) []byte {
	t.Helper()
	return fixtures.Read(t, "sarif", name)
}

func sarifEvent(runID string, sarif []byte) []byte {
	return []byte(`{"server_run_id":"` + runID + `","results":` + strings.TrimPrefix(string(sarif), "\uFEFF") + `}`)
}

func TestSARIFEventsFromRealScanners(t *testing.T) {
	t.Parallel()
	f := setup(t)
	cases := []struct {
		file       string
		findings   int
		conclusion string
	}{
		// One result without level whose rule defaults to error, one
		// suppressed in source.
		{"semgrep-nosemgrep-suppressed.sarif.json", 2, "failure"},
		// Two runs; no result has a level and the rules default to note.
		{"codeql-lgtm-two-runs.sarif.json", 3, "success"},
		// kind pass with level none: stored, never blocking.
		{"sdv-kind-pass-level-none-codeflow.sarif.json", 1, "success"},
		// Mixed levels, one result without location.
		{"msbuild-result-without-location.sarif.json", 7, "failure"},
		// A leading UTF-8 byte-order mark.
		{"patternmatcher-utf8-bom.sarif.json", 5, "success"},
	}
	for i, c := range cases {
		runID := f.registerRun("ci-sarif-" + string(rune('a'+i)))
		r := f.post("/scanner/events", f.token, sarifEvent(runID, sarifFixture(t, c.file)))
		require.Equal(t, http.StatusOK, r.status, "%s: %s", c.file, string(r.raw))
		require.EqualValues(t, c.findings, r.body["findings_stored"], c.file)
		require.Equal(t, c.conclusion, r.body["conclusion"], c.file)
	}
}

func TestLargeSARIFGzipped(t *testing.T) {
	t.Parallel()
	f := setup(t, func(o *options) { o.maxBody = 4 << 20 })
	runID := f.registerRun("ci-fxcop")
	body := gzipped(t, sarifEvent(runID, sarifFixture(t, "fxcop-927-results-suppressions.sarif.json")))
	r := f.do(http.MethodPost, "/scanner/events", f.token, "application/json", strings.NewReader(string(body)), "Content-Encoding", "gzip")
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.EqualValues(t, 927, r.body["findings_stored"])
	var suppressed int
	require.NoError(t, dbtest.Pool(t).QueryRow(context.Background(),
		`SELECT count(*) FROM findings WHERE run_id = $1 AND suppressed`, runID).Scan(&suppressed))
	require.Equal(t, 42, suppressed)
}
