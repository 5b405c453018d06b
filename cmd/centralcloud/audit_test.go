package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/store"
)

// runWithBuffers runs the root command with args, like execute does, but
// writes to buffers so that parallel tests can read their own output. The
// returned error tells usage errors (exit 2) apart with errors.As.
func runWithBuffers(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &cliApp{stdout: &out, stderr: &errOut}
	root := newRootCommand(app)
	root.SetArgs(args)
	err = root.ExecuteContext(t.Context())
	app.close()
	return out.String(), errOut.String(), err
}

// auditCLI runs a command against the package's test database through a
// config file, since environment variables would rule out t.Parallel.
func auditCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yml")
	cfg := "database:\n  url: " + dbtest.URL(t) + "\n  max_conns: 2\nlog:\n  level: error\n"
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return runWithBuffers(t, append([]string{"--config", path}, args...)...)
}

// newTestOrg creates an org with a login no other test uses.
func newTestOrg(t *testing.T, prefix string) store.Org {
	t.Helper()
	suffix := make([]byte, 4)
	_, err := rand.Read(suffix)
	require.NoError(t, err)
	org, created, err := store.CreateOrg(t.Context(), dbtest.Pool(t), prefix+"-"+hex.EncodeToString(suffix))
	require.NoError(t, err)
	require.True(t, created)
	return org
}

func insertAudit(t *testing.T, e store.AuditEvent) {
	t.Helper()
	require.NoError(t, store.InsertAudit(t.Context(), dbtest.Pool(t), e))
}

func decodeAuditLines(t *testing.T, stdout string) []auditRecord {
	t.Helper()
	var records []auditRecord
	scanner := bufio.NewScanner(strings.NewReader(stdout))
	for scanner.Scan() {
		var rec auditRecord
		require.NoError(t, json.Unmarshal(scanner.Bytes(), &rec), "line %q", scanner.Text())
		records = append(records, rec)
	}
	require.NoError(t, scanner.Err())
	return records
}

func actionsOf(records []auditRecord) []string {
	actions := make([]string, len(records)) // empty, not nil, for no records
	for i, r := range records {
		actions[i] = r.Action
	}
	return actions
}

func TestAuditListFiltersByOrg(t *testing.T) {
	t.Parallel()
	acme, other := newTestOrg(t, "acme"), newTestOrg(t, "other")
	runID := uuid.New()
	insertAudit(t, store.AuditEvent{OrgID: &acme.ID, Actor: "scanner", Action: store.AuditLearningSkipped,
		Reason: "learning_enabled is false", ServerRunID: &runID, Details: map[string]any{"event_id": "e1"}})
	insertAudit(t, store.AuditEvent{OrgID: &acme.ID, Actor: "cli", Action: store.AuditTokenCreated, Reason: "tokens create"})
	insertAudit(t, store.AuditEvent{OrgID: &other.ID, Actor: "cli", Action: store.AuditTokenCreated, Reason: "tokens create"})

	stdout, stderr, err := auditCLI(t, "audit", "list", "--org", acme.Login, "--output", "json")
	require.NoError(t, err, stderr)
	records := decodeAuditLines(t, stdout)
	require.Equal(t, []string{store.AuditLearningSkipped, store.AuditTokenCreated}, actionsOf(records))

	first := records[0]
	require.Equal(t, acme.Login, first.Org)
	require.NotNil(t, first.OrgID)
	require.Equal(t, acme.ID, *first.OrgID)
	require.Equal(t, "scanner", first.Actor)
	require.Equal(t, "learning_enabled is false", first.Reason)
	require.NotNil(t, first.ServerRunID)
	require.Equal(t, runID, *first.ServerRunID)
	require.Equal(t, map[string]any{"event_id": "e1"}, first.Details)
	require.WithinDuration(t, time.Now(), first.CreatedAt, time.Minute)
	require.Nil(t, records[1].ServerRunID)
	require.Equal(t, map[string]any{}, records[1].Details)
}

func TestAuditListFiltersByActionAndRun(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, "runs")
	runA, runB := uuid.New(), uuid.New()
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "scanner", Action: store.AuditTelemetryDropped, ServerRunID: &runA})
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "scanner", Action: store.AuditLearningSkipped, ServerRunID: &runA})
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "scanner", Action: store.AuditLearningSkipped, ServerRunID: &runB})

	stdout, stderr, err := auditCLI(t, "audit", "list", "--run", runA.String(), "--output", "json")
	require.NoError(t, err, stderr)
	require.Equal(t, []string{store.AuditTelemetryDropped, store.AuditLearningSkipped}, actionsOf(decodeAuditLines(t, stdout)))

	stdout, stderr, err = auditCLI(t, "audit", "list", "--org", org.Login, "--action", store.AuditLearningSkipped, "--output", "json")
	require.NoError(t, err, stderr)
	records := decodeAuditLines(t, stdout)
	require.Len(t, records, 2)
	require.Equal(t, runA, *records[0].ServerRunID)
	require.Equal(t, runB, *records[1].ServerRunID)

	stdout, stderr, err = auditCLI(t, "audit", "list", "--run", runB.String(), "--action", store.AuditTelemetryDropped, "--output", "json")
	require.NoError(t, err, stderr)
	require.Empty(t, stdout)
}

func TestAuditListSince(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, "since")
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "cli", Action: store.AuditTokenCreated, Reason: "old"})
	_, err := dbtest.Pool(t).Exec(t.Context(),
		`UPDATE audit_events SET created_at = now() - interval '48 hours' WHERE org_id = $1`, org.ID)
	require.NoError(t, err)
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "cli", Action: store.AuditTokenRevoked, Reason: "new"})

	cases := []struct {
		since string
		want  []string
	}{
		{"24h", []string{store.AuditTokenRevoked}},
		{"90m", []string{store.AuditTokenRevoked}},
		{"3d", []string{store.AuditTokenCreated, store.AuditTokenRevoked}},
		{time.Now().Add(-72 * time.Hour).UTC().Format(time.RFC3339), []string{store.AuditTokenCreated, store.AuditTokenRevoked}},
		{time.Now().Add(-time.Hour).Format(time.RFC3339), []string{store.AuditTokenRevoked}},
		{time.Now().Add(time.Hour).UTC().Format(time.RFC3339), []string{}},
	}
	for _, c := range cases {
		stdout, stderr, err := auditCLI(t, "audit", "list", "--org", org.Login, "--since", c.since, "--output", "json")
		require.NoError(t, err, stderr)
		require.Equal(t, c.want, actionsOf(decodeAuditLines(t, stdout)), "--since %s", c.since)
	}
}

func TestAuditListTable(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, "table")
	runID := uuid.New()
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "scanner", Action: store.AuditTelemetryDropped,
		Reason: "telemetry_enabled is false", ServerRunID: &runID, Details: map[string]any{"event_id": "final"}})

	stdout, stderr, err := auditCLI(t, "audit", "list", "--org", org.Login)
	require.NoError(t, err, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	require.Equal(t, []string{"TIME", "ACTION", "ORG", "ACTOR", "SERVER", "RUN", "REASON", "DETAILS"}, strings.Fields(lines[0]))
	row := lines[1]
	require.Contains(t, row, store.AuditTelemetryDropped)
	require.Contains(t, row, org.Login)
	require.Contains(t, row, runID.String())
	require.Contains(t, row, "telemetry_enabled is false")
	require.Contains(t, row, `{"event_id":"final"}`)
	_, err = time.Parse(time.RFC3339, strings.Fields(row)[0])
	require.NoError(t, err, "first column of %q", row)
}

func TestAuditListLimit(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, "limit")
	for _, action := range []string{store.AuditOrgCreated, store.AuditTokenCreated, store.AuditTokenRevoked} {
		insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "cli", Action: action})
	}

	stdout, stderr, err := auditCLI(t, "audit", "list", "--org", org.Login, "--limit", "2", "--output", "json")
	require.NoError(t, err)
	require.Equal(t, []string{store.AuditOrgCreated, store.AuditTokenCreated}, actionsOf(decodeAuditLines(t, stdout)))
	require.Contains(t, stderr, "printed the first 2 matching events")

	stdout, stderr, err = auditCLI(t, "audit", "list", "--org", org.Login, "--limit", "3", "--output", "json")
	require.NoError(t, err)
	require.Len(t, decodeAuditLines(t, stdout), 3)
	require.Empty(t, stderr)
}

func TestAuditListUnknownOrg(t *testing.T) {
	t.Parallel()
	_, _, err := auditCLI(t, "audit", "list", "--org", "no-such-org-"+uuid.NewString()[:8])
	require.ErrorIs(t, err, store.ErrNotFound)
	var usage *usageError
	require.False(t, errors.As(err, &usage), "an unknown org is a failure, not wrong usage")
}

func TestAuditListUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args    []string
		message string
	}{
		{[]string{"--output", "yaml"}, `--output "yaml" is invalid`},
		{[]string{"--limit", "0"}, "--limit 0 is invalid"},
		{[]string{"--run", "run-1"}, `--run "run-1" is not a valid server_run_id`},
		{[]string{"--since", "yesterday"}, `--since "yesterday" is neither an RFC 3339 time`},
		{[]string{"--since", "-5h"}, `--since "-5h" is not a positive age`},
		{[]string{"--since", "1.5d"}, `--since "1.5d" is neither`},
		{[]string{"--org", "not a login"}, `--org "not a login" is not a GitHub login`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"extra"}, "unknown command"},
	}
	for _, c := range cases {
		// No config file: a usage error must stop before any database use.
		_, _, err := runWithBuffers(t, append([]string{"audit", "list"}, c.args...)...)
		var usage *usageError
		require.True(t, errors.As(err, &usage), "args %v: want a usage error, got %v", c.args, err)
		require.Contains(t, err.Error(), c.message, "args %v", c.args)
	}
}

// TestExecuteAuditList runs the real entry point with the database URL from
// the environment, so it cannot run in parallel with other tests.
func TestExecuteAuditList(t *testing.T) {
	t.Setenv("CENTRALCLOUD_DATABASE_URL", dbtest.URL(t))
	t.Setenv("CENTRALCLOUD_LOG_LEVEL", "error")
	org := newTestOrg(t, "execute")
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "cli", Action: store.AuditPolicyChanged, Reason: "policies set"})

	code, stdout, stderr := executeCaptured(t, "audit", "list", "--org", org.Login, "--output", "json")
	require.Equal(t, 0, code, stderr)
	records := decodeAuditLines(t, stdout)
	require.Len(t, records, 1)
	require.Equal(t, store.AuditPolicyChanged, records[0].Action)
	require.Equal(t, org.Login, records[0].Org)

	code, stdout, stderr = executeCaptured(t, "audit", "list", "--output", "xml")
	require.Equal(t, 2, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "Run 'centralcloud audit list --help' for usage.")

	code, stdout, stderr = executeCaptured(t, "audit", "list", "--org", "missing-"+uuid.NewString()[:8])
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "not found")
}

// executeCaptured swaps os.Stdout and os.Stderr for pipes while execute
// runs. Only tests that do not call t.Parallel may use it.
func executeCaptured(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	savedOut, savedErr := os.Stdout, os.Stderr
	outRead, outWrite := capturePipe(t)
	errRead, errWrite := capturePipe(t)
	os.Stdout, os.Stderr = outWrite, errWrite
	outText, errText := readAllAsync(outRead), readAllAsync(errRead)
	code = execute(context.Background(), args)
	os.Stdout, os.Stderr = savedOut, savedErr
	require.NoError(t, outWrite.Close())
	require.NoError(t, errWrite.Close())
	return code, <-outText, <-errText
}

func capturePipe(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r, w
}

// readAllAsync drains r in the background, so a full pipe never blocks the
// writer.
func readAllAsync(r io.Reader) <-chan string {
	text := make(chan string, 1)
	go func() {
		data, _ := io.ReadAll(r)
		text <- string(data)
	}()
	return text
}
