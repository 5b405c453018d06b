package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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

// runCLI runs execute with args and captures its output. Unlike cli, it
// sets no environment variables, so tests that use it can run in parallel.
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := execute(t.Context(), args, &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// auditCLI runs a command against the package's test database through a
// config file, since environment variables would rule out t.Parallel.
func auditCLI(t *testing.T, args ...string) result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yml")
	cfg := "database:\n  url: " + dbtest.URL(t) + "\n  max_conns: 2\nlog:\n  level: error\n"
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return runCLI(t, append([]string{"--config", path}, args...)...)
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

	r := auditCLI(t, "audit", "list", "--org", acme.Login, "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	records := decodeAuditLines(t, r.stdout)
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

	r := auditCLI(t, "audit", "list", "--run", runA.String(), "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, []string{store.AuditTelemetryDropped, store.AuditLearningSkipped}, actionsOf(decodeAuditLines(t, r.stdout)))

	r = auditCLI(t, "audit", "list", "--org", org.Login, "--action", store.AuditLearningSkipped, "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	records := decodeAuditLines(t, r.stdout)
	require.Len(t, records, 2)
	require.Equal(t, runA, *records[0].ServerRunID)
	require.Equal(t, runB, *records[1].ServerRunID)

	r = auditCLI(t, "audit", "list", "--run", runB.String(), "--action", store.AuditTelemetryDropped, "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stdout)
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
		r := auditCLI(t, "audit", "list", "--org", org.Login, "--since", c.since, "--output", "json")
		require.Equal(t, 0, r.code, r.stderr)
		require.Equal(t, c.want, actionsOf(decodeAuditLines(t, r.stdout)), "--since %s", c.since)
	}
}

func TestAuditListTable(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, "table")
	runID := uuid.New()
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "scanner", Action: store.AuditTelemetryDropped,
		Reason: "telemetry_enabled is false", ServerRunID: &runID, Details: map[string]any{"event_id": "final"}})

	r := auditCLI(t, "audit", "list", "--org", org.Login)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 2)
	require.Equal(t, []string{"TIME", "ACTION", "ORG", "ACTOR", "SERVER", "RUN", "REASON", "DETAILS"}, strings.Fields(lines[0]))
	row := lines[1]
	require.Contains(t, row, store.AuditTelemetryDropped)
	require.Contains(t, row, org.Login)
	require.Contains(t, row, runID.String())
	require.Contains(t, row, "telemetry_enabled is false")
	require.Contains(t, row, `{"event_id":"final"}`)
	_, err := time.Parse(time.RFC3339, strings.Fields(row)[0])
	require.NoError(t, err, "first column of %q", row)
}

func TestAuditListLimit(t *testing.T) {
	t.Parallel()
	org := newTestOrg(t, "limit")
	for _, action := range []string{store.AuditOrgCreated, store.AuditTokenCreated, store.AuditTokenRevoked} {
		insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "cli", Action: action})
	}

	r := auditCLI(t, "audit", "list", "--org", org.Login, "--limit", "2", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, []string{store.AuditOrgCreated, store.AuditTokenCreated}, actionsOf(decodeAuditLines(t, r.stdout)))
	require.Contains(t, r.stderr, "printed the first 2 matching events")

	r = auditCLI(t, "audit", "list", "--org", org.Login, "--limit", "3", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, decodeAuditLines(t, r.stdout), 3)
	require.Empty(t, r.stderr)
}

func TestAuditListUnknownOrg(t *testing.T) {
	t.Parallel()
	login := "no-such-org-" + uuid.NewString()[:8]
	r := auditCLI(t, "audit", "list", "--org", login)
	require.Equal(t, 1, r.code, "an unknown org is a failure, not wrong usage")
	require.Contains(t, r.stderr, `org "`+login+`": not found`)
	require.Empty(t, r.stdout)
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
		r := runCLI(t, append([]string{"audit", "list"}, c.args...)...)
		require.Equal(t, 2, r.code, "args %v: %s", c.args, r.stderr)
		require.Contains(t, r.stderr, c.message, "args %v", c.args)
		require.Contains(t, r.stderr, "Run 'centralcloud audit list --help' for usage.", "args %v", c.args)
	}
}

// TestExecuteAuditListFromEnvironment runs audit list with the database
// URL from the environment, as operators run it.
func TestExecuteAuditListFromEnvironment(t *testing.T) {
	org := newTestOrg(t, "execute")
	insertAudit(t, store.AuditEvent{OrgID: &org.ID, Actor: "cli", Action: store.AuditPolicyChanged, Reason: "policies set"})

	r := cli(t, "audit", "list", "--org", org.Login, "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	records := decodeAuditLines(t, r.stdout)
	require.Len(t, records, 1)
	require.Equal(t, store.AuditPolicyChanged, records[0].Action)
	require.Equal(t, org.Login, records[0].Org)
}
