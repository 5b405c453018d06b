package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

// configCLI runs commands against one config file, so tests that use it
// can run in parallel.
type configCLI struct {
	t      *testing.T
	config string
}

func newConfigCLI(t *testing.T, extraYAML string) *configCLI {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yml")
	yaml := "data_dir: " + dir + "\ndatabase:\n  url: " + dbtest.URL(t) + "\n" + extraYAML
	require.NoError(t, os.WriteFile(config, []byte(yaml), 0o600))
	return &configCLI{t: t, config: config}
}

// run executes the command line and returns its output and exit status.
func (c *configCLI) run(args ...string) (stdout, stderr string, status int) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	status = execute(context.Background(), append([]string{"--config", c.config}, args...), &out, &errOut)
	return out.String(), errOut.String(), status
}

func TestPatternsAndKeysCommands(t *testing.T) {
	t.Parallel()
	c := newConfigCLI(t, "log:\n  level: warn\n")
	dir := filepath.Dir(c.config)
	keyring := filepath.Join(dir, "snapshot-keyring.json")
	pool := dbtest.Pool(t)

	out, _, status := c.run("keys", "generate")
	require.Zero(t, status)
	_, _, err := snapshots.ParseKey(strings.TrimSpace(out))
	require.NoError(t, err, "keys generate prints <id>:<base64>")

	out, _, status = c.run("keys", "generate", "--add", "--activate")
	require.Zero(t, status)
	firstID := strings.TrimSpace(out)
	file, err := snapshots.ReadKeyringFile(keyring)
	require.NoError(t, err)
	require.Equal(t, firstID, file.ActiveKeyID)

	bundle := filepath.Join(dir, "patterns.yaml")
	require.NoError(t, os.WriteFile(bundle, []byte(`patterns:
  - {id: go.exec, language: go, severity: error, message: Command built from input, rule: "call(exec.Command)"}
`), 0o600))
	out, _, status = c.run("patterns", "publish", bundle, "--note", "first")
	require.Zero(t, status)
	require.Contains(t, out, "published pattern set version ")

	_, errOut, status := c.run("patterns", "publish", bundle)
	require.Zero(t, status)
	require.Contains(t, errOut, "unchanged")

	invalid := filepath.Join(dir, "invalid.json")
	require.NoError(t, os.WriteFile(invalid, []byte(`{"patterns": [{"id": "x", "language": "go", "severity": "fatal", "message": "m", "rule": "r"}]}`), 0o600))
	_, errOut, status = c.run("patterns", "publish", invalid)
	require.Equal(t, 1, status)
	require.Contains(t, errOut, `patterns[0] (id "x"): severity: "fatal" is not one of error, warning, note`)

	_, _, status = c.run("patterns", "publish")
	require.Equal(t, 2, status, "a missing FILE is a usage error")

	out, _, status = c.run("patterns", "list")
	require.Zero(t, status)
	require.Contains(t, out, "VERSION")
	require.Contains(t, out, "first")
	require.Contains(t, out, "current snapshot: ")

	out, _, status = c.run("keys", "rotate", "--generate")
	require.Zero(t, status)
	file, err = snapshots.ReadKeyringFile(keyring)
	require.NoError(t, err)
	secondID := file.ActiveKeyID
	require.NotEqual(t, firstID, secondID)
	require.Contains(t, out, "under key "+secondID)

	_, errOut, status = c.run("keys", "retire", secondID)
	require.Equal(t, 1, status)
	require.Contains(t, errOut, "is the active key")

	out, _, status = c.run("keys", "retire", firstID)
	require.Zero(t, status, out)
	require.Contains(t, out, "retired key "+firstID)
	file, err = snapshots.ReadKeyringFile(keyring)
	require.NoError(t, err)
	require.Len(t, file.Keys, 1, "the retired key leaves the file")

	for _, action := range []string{auditPatternsPublished, auditKeysRotated, auditKeysRetired} {
		events, err := store.ListAudit(context.Background(), pool, store.AuditFilter{Action: action})
		require.NoError(t, err)
		require.NotEmpty(t, events, "%s is audited", action)
	}

	out, _, status = c.run("keys", "list")
	require.Zero(t, status)
	require.Contains(t, out, secondID)
	require.NotContains(t, out, file.Keys[0].Secret, "secrets are never listed")
}
