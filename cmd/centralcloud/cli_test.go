package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/store"
)

// runMainEnv makes this test binary run the command line instead of the
// tests, so that commands which start this binary again, as the bench
// starts its serve process, work under go test.
const runMainEnv = "CENTRALCLOUD_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	os.Exit(dbtest.Main(m))
}

type result struct {
	code   int
	stdout string
	stderr string
}

// cli runs the command line against the package's test database.
func cli(t *testing.T, args ...string) result {
	t.Helper()
	t.Setenv("CENTRALCLOUD_DATABASE_URL", dbtest.URL(t))
	t.Setenv("CENTRALCLOUD_LOG_LEVEL", "warn")
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), args, &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// The tests below share process environment through t.Setenv, so they do
// not run in parallel.

func TestOrgsCreateTwiceSucceeds(t *testing.T) {
	first := cli(t, "orgs", "create", "--login", "cli-acme")
	require.Equal(t, 0, first.code, first.stderr)
	require.Contains(t, first.stderr, "created org cli-acme")
	second := cli(t, "orgs", "create", "--login", "CLI-ACME")
	require.Equal(t, 0, second.code, second.stderr)
	require.Contains(t, second.stderr, "already exists")
	require.Equal(t, first.stdout, second.stdout)

	list := cli(t, "orgs", "list")
	require.Equal(t, 0, list.code)
	require.Contains(t, list.stdout, "cli-acme")
}

func TestTokensCreatePrintsTokenAlone(t *testing.T) {
	require.Equal(t, 0, cli(t, "orgs", "create", "--login", "cli-tokens").code)
	r := cli(t, "tokens", "create", "--org", "cli-tokens", "--name", "ci", "--expires", "24h")
	require.Equal(t, 0, r.code, r.stderr)
	token := strings.TrimSuffix(r.stdout, "\n")
	require.True(t, strings.HasPrefix(token, store.OrgTokenPrefix))
	require.NotContains(t, token, "\n")
	require.NotContains(t, r.stderr, token, "the token must not be repeated on standard error")

	p, err := store.AuthenticateToken(context.Background(), dbtest.Pool(t), token)
	require.NoError(t, err)
	require.Equal(t, "cli-tokens", p.Org.Login)

	list := cli(t, "tokens", "list", "--org", "cli-tokens")
	require.Equal(t, 0, list.code)
	require.Contains(t, list.stdout, p.TokenID.String())
	require.NotContains(t, list.stdout, token)

	revoke := cli(t, "tokens", "revoke", p.TokenID.String())
	require.Equal(t, 0, revoke.code, revoke.stderr)
	_, err = store.AuthenticateToken(context.Background(), dbtest.Pool(t), token)
	require.ErrorIs(t, err, store.ErrTokenRevoked)
}

func TestPoliciesSetAndGet(t *testing.T) {
	require.Equal(t, 0, cli(t, "orgs", "create", "--login", "cli-policies").code)
	set := cli(t, "policies", "set", "--org", "cli-policies", "learning_enabled=false", "fail_on=warning")
	require.Equal(t, 0, set.code, set.stderr)
	get := cli(t, "policies", "get", "--org", "cli-policies")
	require.Equal(t, 0, get.code, get.stderr)
	require.Contains(t, get.stdout, `"learning_enabled": false`)
	require.Contains(t, get.stdout, `"fail_on": "warning"`)
	require.Contains(t, get.stdout, `"telemetry_enabled": true`)

	bad := cli(t, "policies", "set", "--org", "cli-policies", "fail_on=critical")
	require.Equal(t, 1, bad.code)
	require.Contains(t, bad.stderr, "fail_on")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(bad.stderr), "\n")+1, "one line on standard error")
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := [][]string{
		{"bogus"},
		{"tokens", "create"},
		{"tokens", "revoke"},
		{"tokens", "revoke", "not-a-uuid"},
		{"orgs", "create", "--login", "-bad-"},
		{"orgs", "create", "--nope"},
		{"policies", "set", "--org", "acme", "novalue"},
		{"migrate"},
	}
	for _, args := range cases {
		r := cli(t, args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
		require.Contains(t, r.stderr, "--help", args)
	}
}

func TestFailuresExitOne(t *testing.T) {
	r := cli(t, "tokens", "create", "--org", "no-such-org")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "orgs create")

	t.Setenv("CENTRALCLOUD_HTTP_ADDR", "nonsense")
	r = cli(t, "orgs", "list")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "http.addr")
}

func TestMigrateVersion(t *testing.T) {
	r := cli(t, "migrate", "version")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "this build expects")
}
