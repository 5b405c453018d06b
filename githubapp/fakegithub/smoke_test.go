package fakegithub_test

import (
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"
)

func TestCreateCheckRunSmoke(t *testing.T) {
	t.Parallel()
	e := setup(t)
	client := e.installationClient(t, installationAcme)
	run, _, err := client.Checks.CreateCheckRun(testContext(t), "acme", "app", github.CreateCheckRunOptions{
		Name: "CentralCloud", HeadSHA: headSHA,
	})
	require.NoError(t, err)
	require.Equal(t, "queued", run.GetStatus())
	t.Logf("%+v", e.server.Calls())
}
