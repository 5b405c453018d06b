package scripts_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const deployScript = "deploy-centralcloud.sh"

// liveBlue sets up a cluster whose Service sends traffic to a blue color
// with 3 replicas serving snapshot ETag "abc".
func liveBlue(t *testing.T) *cluster {
	c := newCluster(t)
	c.set("service-color", "blue")
	c.set("replicas-centralcloud-serve-blue", "3")
	c.podServer("centralcloud-serve-blue", true, "abc")
	return c
}

func TestDeploySwitchesToGreen(t *testing.T) {
	t.Parallel()
	c := liveBlue(t)
	c.podServer("centralcloud-serve-green", true, "abc")

	code, stderr := c.run(deployScript, deployEnv(), "1.4.0")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "green", c.get("service-color"))
	require.True(t, c.hasCall("patch service centralcloud"), "calls: %v", c.calls())
	require.Equal(t, "0", c.get("replicas-centralcloud-serve-blue"), "old color scaled to zero")
	require.Equal(t, "3", c.get("replicas-centralcloud-serve-green"), "new color takes the live replica count")
	require.False(t, c.hasCall("delete deployment"), "calls: %v", c.calls())

	serve := c.appliedManifest("name: centralcloud-serve-green")
	require.Contains(t, serve, "image: ghcr.io/acme/centralcloud:1.4.0")
	require.Contains(t, serve, `app.kubernetes.io/version: "1.4.0"`)
	require.NotContains(t, serve, "__")
	worker := c.appliedManifest("name: centralcloud-worker")
	require.Contains(t, worker, "image: ghcr.io/acme/centralcloud:1.4.0")
	require.Contains(t, worker, "replicas: 2")
	require.Contains(t, stderr, "deployed 1.4.0")
	c.requireForwardsStopped()
}

func TestDeployRollsBackOnETagMismatch(t *testing.T) {
	t.Parallel()
	c := liveBlue(t)
	c.podServer("centralcloud-serve-green", true, "def")

	code, stderr := c.run(deployScript, deployEnv(), "1.4.0")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "serves snapshot ETag def, expected abc")
	require.True(t, c.hasCall("delete deployment centralcloud-serve-green"), "calls: %v", c.calls())
	require.Equal(t, "blue", c.get("service-color"))
	require.Equal(t, "3", c.get("replicas-centralcloud-serve-blue"))
	require.False(t, c.hasCall("patch service"), "calls: %v", c.calls())
	require.False(t, c.hasCall("centralcloud-worker"), "workers untouched: %v", c.calls())
	c.requireForwardsStopped()
}

func TestDeployRollsBackWhenNotReady(t *testing.T) {
	t.Parallel()
	c := liveBlue(t)
	c.podServer("centralcloud-serve-green", false, "abc")

	code, stderr := c.run(deployScript, deployEnv(), "1.4.0")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "/readyz of color green was not ready within 2s")
	require.True(t, c.hasCall("delete deployment centralcloud-serve-green"), "calls: %v", c.calls())
	require.Equal(t, "blue", c.get("service-color"))
	c.requireForwardsStopped()
}

func TestDeployRollsBackFailedRollout(t *testing.T) {
	t.Parallel()
	c := liveBlue(t)
	c.set("rollout-fails-centralcloud-serve-green", "")

	code, stderr := c.run(deployScript, deployEnv(), "1.4.0")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "deployment centralcloud-serve-green did not become ready within 2s")
	require.True(t, c.hasCall("delete deployment centralcloud-serve-green"), "calls: %v", c.calls())
	require.Equal(t, "blue", c.get("service-color"))
}

func TestDeployRollsBackOnRejectedToken(t *testing.T) {
	t.Parallel()
	c := liveBlue(t)
	c.podServer("centralcloud-serve-green", true, "abc")

	code, stderr := c.run(deployScript, deployEnv("DEPLOY_SNAPSHOT_TOKEN", "cct_wrong"), "1.4.0")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "returned status 401, expected 200 (is DEPLOY_SNAPSHOT_TOKEN valid?)")
	require.NotContains(t, stderr, "cct_wrong", "the token never reaches the output")
	require.True(t, c.hasCall("delete deployment centralcloud-serve-green"), "calls: %v", c.calls())
	for _, call := range c.calls() {
		require.NotContains(t, call, "cct_", "the token never reaches a command line")
	}
}

func TestDeployExpectedETagOverridesLive(t *testing.T) {
	t.Parallel()
	c := liveBlue(t)
	c.podServer("centralcloud-serve-green", true, "abc")

	code, stderr := c.run(deployScript, deployEnv("DEPLOY_EXPECTED_ETAG", `"fff"`), "1.4.0")
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "serves snapshot ETag abc, expected fff")
	require.Equal(t, "blue", c.get("service-color"))

	c2 := liveBlue(t)
	c2.podServer("centralcloud-serve-green", true, "fff")
	code, stderr = c2.run(deployScript, deployEnv("DEPLOY_EXPECTED_ETAG", "fff"), "1.4.1-beta2")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "green", c2.get("service-color"))
}

func TestDeployFirstCreatesService(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.podServer("centralcloud-serve-blue", true, "abc")

	code, stderr := c.run(deployScript, deployEnv(), "1.0.0")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "blue", c.get("service-color"))
	require.Equal(t, "2", c.get("replicas-centralcloud-serve-blue"))
	require.Contains(t, c.appliedManifest("kind: Service"), "color: blue")
	require.Contains(t, stderr, "no live color and no DEPLOY_EXPECTED_ETAG: accepting ETag abc")
	require.False(t, c.hasCall("scale deployment"), "calls: %v", c.calls())
}

func TestDeployGreenToBlue(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.set("service-color", "green")
	c.set("replicas-centralcloud-serve-green", "2")
	c.podServer("centralcloud-serve-green", true, "abc")
	c.podServer("centralcloud-serve-blue", true, "abc")

	code, stderr := c.run(deployScript, deployEnv(), "2.0.0")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "blue", c.get("service-color"))
	require.Equal(t, "0", c.get("replicas-centralcloud-serve-green"))
}

func TestDeployUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args    []string
		env     map[string]string
		code    int
		message string
	}{
		{nil, deployEnv(), 2, "expected exactly one argument"},
		{[]string{"v1.4.0"}, deployEnv(), 2, "VERSION 'v1.4.0' is not a release version"},
		{[]string{"centralcloud-v1.4.0"}, deployEnv(), 2, "is not a release version"},
		{[]string{"1.4.0-rc1"}, deployEnv(), 2, "is not a release version"},
		{[]string{"1.4.0"}, deployEnv("DEPLOY_IMAGE", ""), 1, "DEPLOY_IMAGE is not set"},
		{[]string{"1.4.0"}, deployEnv("DEPLOY_IMAGE", "ghcr.io/acme/centralcloud:1.4.0"), 1, "is not an image repository without a tag"},
		{[]string{"1.4.0"}, deployEnv("DEPLOY_NAMESPACE", ""), 1, "DEPLOY_NAMESPACE is not set"},
		{[]string{"1.4.0"}, deployEnv("DEPLOY_SNAPSHOT_TOKEN", ""), 1, "DEPLOY_SNAPSHOT_TOKEN is not set"},
		{[]string{"1.4.0"}, deployEnv("DEPLOY_TIMEOUT", "5m"), 1, "DEPLOY_TIMEOUT '5m' is not a whole number of seconds"},
		{[]string{"1.4.0"}, deployEnv("KUBECTL", "no-such-kubectl"), 1, "no-such-kubectl is not installed"},
	}
	for _, tc := range cases {
		c := newCluster(t)
		code, stderr := c.run(deployScript, tc.env, tc.args...)
		require.Equal(t, tc.code, code, "args %v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.message, "args %v", tc.args)
		require.Empty(t, c.get("calls.log"), "args %v: no kubectl call before the checks pass", tc.args)
	}
}
