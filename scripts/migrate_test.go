package scripts_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const migrateScript = "migrate-centralcloud.sh"

func migrateEnv(extra ...string) map[string]string {
	env := map[string]string{
		"DEPLOY_IMAGE":     "ghcr.io/acme/centralcloud",
		"DEPLOY_NAMESPACE": "centralcloud",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func TestMigrateJobSucceeds(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.set("job-result", "succeeded")

	code, stderr := c.run(migrateScript, migrateEnv(), "1.4.0-beta1")
	require.Equal(t, 0, code, stderr)
	job := c.appliedManifest("kind: Job")
	require.Contains(t, job, "name: centralcloud-migrate-1-4-0-beta1-")
	require.Contains(t, job, "image: ghcr.io/acme/centralcloud:1.4.0-beta1")
	require.Contains(t, job, `args: ["migrate", "up",`)
	require.NotContains(t, job, "__")
	require.True(t, c.hasCall("--namespace centralcloud create -f -"), "calls: %v", c.calls())
	require.Contains(t, stderr, "version 11 (this build expects 11)", "the Job's log is shown")
	require.Contains(t, stderr, "database migrated for 1.4.0-beta1")
}

func TestMigrateJobFails(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.set("job-result", "failed")

	code, stderr := c.run(migrateScript, migrateEnv(), "1.4.0")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "failed: read its log above")
	require.Contains(t, stderr, "version 11 (this build expects 11)")
}

func TestMigrateJobTimesOut(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.set("job-result", "running")

	code, stderr := c.run(migrateScript, migrateEnv("MIGRATE_TIMEOUT", "1"), "1.4.0")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "did not finish within 1s")
}

func TestMigrateUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args    []string
		env     map[string]string
		code    int
		message string
	}{
		{nil, migrateEnv(), 2, "expected exactly one argument"},
		{[]string{"1.4"}, migrateEnv(), 2, "VERSION '1.4' is not a release version"},
		{[]string{"1.4.0"}, migrateEnv("DEPLOY_IMAGE", ""), 1, "DEPLOY_IMAGE is not set"},
		{[]string{"1.4.0"}, migrateEnv("DEPLOY_NAMESPACE", ""), 1, "DEPLOY_NAMESPACE is not set"},
		{[]string{"1.4.0"}, migrateEnv("MIGRATE_RUNNER", "helm"), 1, "MIGRATE_RUNNER 'helm' is not a runner"},
		{[]string{"1.4.0"}, migrateEnv("MIGRATE_TIMEOUT", "ten"), 1, "MIGRATE_TIMEOUT 'ten' is not a whole number"},
		{[]string{"1.4.0"}, migrateEnv("MIGRATE_RUNNER", "docker"), 1, "CENTRALCLOUD_DATABASE_URL is not set"},
	}
	for _, tc := range cases {
		c := newCluster(t)
		code, stderr := c.run(migrateScript, tc.env, tc.args...)
		require.Equal(t, tc.code, code, "args %v env %v: %s", tc.args, tc.env, stderr)
		require.Contains(t, stderr, tc.message, "args %v env %v", tc.args, tc.env)
		require.Empty(t, c.get("calls.log"), "args %v: no kubectl call before the checks pass", tc.args)
	}
}
