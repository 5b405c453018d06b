package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/internal/fixtures"
	"github.com/centralcloud/centralcloud/scannerapi/client"
)

// sentEvent is an event as the server received it.
type sentEvent struct {
	ServerRunID string          `json:"server_run_id"`
	EventID     string          `json:"event_id"`
	Final       bool            `json:"final"`
	Results     json.RawMessage `json:"results"`
	Metrics     json.RawMessage `json:"metrics"`
}

func sentEvents(t *testing.T, srv *scriptedServer) []sentEvent {
	t.Helper()
	var events []sentEvent
	for _, r := range srv.recorded() {
		require.Equal(t, client.EventsPath, r.path)
		var e sentEvent
		require.NoError(t, json.Unmarshal(r.body, &e))
		events = append(events, e)
	}
	return events
}

func findings(n int) []client.Finding {
	out := make([]client.Finding, n)
	for i := range out {
		out[i] = client.Finding{PatternID: "sql-injection", Path: "app/db.go", StartLine: i + 1,
			EndLine: i + 1, Severity: client.SeverityWarning, Message: "query built from input",
			Fingerprint: fmt.Sprintf("f%d", i)}
	}
	return out
}

func TestNativeFindingsAreBatched(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{Limits: client.Limits{BatchSize: 1000}})
	native := client.NativeResults{Findings: findings(2500), Summary: "2500 findings"}

	result, err := c.Upload(context.Background(), "run-1", client.Results{
		Native: &native, Metrics: json.RawMessage(`{"duration_ms":5}`),
	})
	require.NoError(t, err)
	require.Equal(t, 3, result.Events)
	require.Equal(t, 2500, result.FindingsSent)
	require.Equal(t, 2500, result.FindingsStored)
	require.Equal(t, "success", result.Final.Conclusion)

	events := sentEvents(t, srv)
	require.Len(t, events, 3)
	for i, e := range events {
		require.Equal(t, "run-1", e.ServerRunID)
		require.Equal(t, fmt.Sprintf("run-1-batch-%d-of-3", i+1), e.EventID)
		require.Equal(t, i == 2, e.Final, "event %d", i+1)
		require.Equal(t, i == 2, e.Metrics != nil, "metrics go with the final event only")
		var body struct {
			Findings []client.Finding `json:"findings"`
			Summary  string           `json:"summary"`
		}
		require.NoError(t, json.Unmarshal(e.Results, &body))
		require.Len(t, body.Findings, []int{1000, 1000, 500}[i])
		require.Equal(t, i == 2, body.Summary != "", "the summary goes with the last batch only")
	}
}

func TestNativeBatchEndsAtByteLimit(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{Limits: client.Limits{BatchSize: 1000, MaxEventBytes: 4096}})
	native := client.NativeResults{Findings: findings(100)}

	result, err := c.Upload(context.Background(), "run-1", client.Results{Native: &native})
	require.NoError(t, err)
	require.Greater(t, result.Events, 1)
	for _, e := range sentEvents(t, srv) {
		require.LessOrEqual(t, len(e.Results), 4096+200, "a batch far above MaxEventBytes")
	}
	require.Equal(t, 100, result.FindingsStored)
}

func TestNoResultsSendOneEmptyFinalEvent(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{})

	result, err := c.Upload(context.Background(), "run-1", client.Results{})
	require.NoError(t, err)
	require.Equal(t, 1, result.Events)
	events := sentEvents(t, srv)
	require.True(t, events[0].Final)
	require.JSONEq(t, `{"findings":[]}`, string(events[0].Results))
}

func TestEventIDsRepeatOnRetriedUpload(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{Limits: client.Limits{BatchSize: 10}})
	native := client.NativeResults{Findings: findings(25)}

	_, err := c.Upload(context.Background(), "run-1", client.Results{Native: &native})
	require.NoError(t, err)
	_, err = c.Upload(context.Background(), "run-1", client.Results{Native: &native})
	require.NoError(t, err)

	events := sentEvents(t, srv)
	require.Len(t, events, 6)
	for i := range 3 {
		require.Equal(t, events[i].EventID, events[i+3].EventID)
		require.JSONEq(t, string(events[i].Results), string(events[i+3].Results))
	}
}

func TestSARIFLogIsSentWhole(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{Limits: client.Limits{BatchSize: 100}})
	log := fixtures.Read(t, "sarif", "fxcop-927-results-suppressions.sarif.json")

	result, err := c.Upload(context.Background(), "run-1", client.Results{SARIF: [][]byte{log}})
	require.NoError(t, err)
	require.Equal(t, 1, result.Events)
	require.Equal(t, 927, result.FindingsSent)
	events := sentEvents(t, srv)
	require.JSONEq(t, string(log), string(events[0].Results))
}

func TestLargeSARIFLogIsSplit(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{Limits: client.Limits{BatchSize: 100, MaxEventFindings: 500}})
	log := fixtures.Read(t, "sarif", "fxcop-927-results-suppressions.sarif.json")
	var original map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(log, &original))

	result, err := c.Upload(context.Background(), "run-1", client.Results{SARIF: [][]byte{log}})
	require.NoError(t, err)
	require.Equal(t, 10, result.Events)
	require.Equal(t, 927, result.FindingsStored)

	var results []json.RawMessage
	for i, e := range sentEvents(t, srv) {
		var piece struct {
			Version string `json:"version"`
			Schema  string `json:"$schema"`
			Runs    []struct {
				Tool    json.RawMessage   `json:"tool"`
				Results []json.RawMessage `json:"results"`
			} `json:"runs"`
		}
		require.NoError(t, json.Unmarshal(e.Results, &piece), "piece %d", i+1)
		require.Equal(t, "2.1.0", piece.Version)
		require.NotEmpty(t, piece.Schema)
		require.Len(t, piece.Runs, 1)
		require.NotEmpty(t, piece.Runs[0].Tool, "each piece repeats the run's tool and rules")
		require.LessOrEqual(t, len(piece.Runs[0].Results), 100)
		results = append(results, piece.Runs[0].Results...)
	}
	var originalRuns []struct {
		Results []json.RawMessage `json:"results"`
	}
	require.NoError(t, json.Unmarshal(original["runs"], &originalRuns))
	require.Len(t, results, len(originalRuns[0].Results))
	for i := range results {
		require.JSONEq(t, string(originalRuns[0].Results[i]), string(results[i]), "result %d", i)
	}
}

func TestSARIFSplitKeepsRunsApart(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{Limits: client.Limits{BatchSize: 2, MaxEventFindings: 1}})
	log := fixtures.Read(t, "sarif", "codeql-lgtm-two-runs.sarif.json")

	result, err := c.Upload(context.Background(), "run-1", client.Results{SARIF: [][]byte{log}})
	require.NoError(t, err)
	require.Equal(t, 3, result.FindingsSent)
	drivers := map[string]int{}
	for _, e := range sentEvents(t, srv) {
		var piece struct {
			Runs []struct {
				Tool struct {
					Driver struct {
						Name string `json:"name"`
					} `json:"driver"`
				} `json:"tool"`
				Results []json.RawMessage `json:"results"`
			} `json:"runs"`
		}
		require.NoError(t, json.Unmarshal(e.Results, &piece))
		for _, run := range piece.Runs {
			drivers[run.Tool.Driver.Name] += len(run.Results)
		}
	}
	require.Len(t, drivers, 2, "both runs keep their own driver")
}

func TestSARIFByteOrderMarkIsDropped(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{})
	log := fixtures.Read(t, "sarif", "patternmatcher-utf8-bom.sarif.json")
	require.True(t, bytes.HasPrefix(log, []byte{0xEF, 0xBB, 0xBF}))

	result, err := c.Upload(context.Background(), "run-1", client.Results{SARIF: [][]byte{log}})
	require.NoError(t, err)
	require.Equal(t, 5, result.FindingsSent)
}

func TestInvalidSARIFIsRejectedLocally(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{})
	for _, name := range []string{
		"binskim-v2.0.0-bom-trailing-comma-INVALID.sarif.json",
		"sarifsdk-not-a-sarif-log-INVALID.sarif.json",
	} {
		_, err := c.Upload(context.Background(), "run-1", client.Results{SARIF: [][]byte{fixtures.Read(t, "sarif", name)}})
		require.ErrorIs(t, err, client.ErrInvalidSARIF, name)
	}
	require.Empty(t, srv.recorded())
}
