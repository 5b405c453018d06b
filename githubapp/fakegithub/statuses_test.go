package fakegithub_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"
)

func TestCommitStatuses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationInitech)
	post := func(state string) *github.RepoStatus {
		t.Helper()
		status, resp, err := client.Repositories.CreateStatus(ctx, "initech", "api", headSHA, &github.RepoStatus{
			State: github.String(state), Context: github.String("CentralCloud"),
			Description: github.String("scan " + state), TargetURL: github.String("https://centralcloud.example/r/1"),
		})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		return status
	}

	pending := post("pending")
	require.Equal(t, "pending", pending.GetState())
	require.Equal(t, "centralcloud[bot]", pending.GetCreator().GetLogin())
	require.Equal(t, "Bot", pending.GetCreator().GetType())
	post("success")

	list, _, err := client.Repositories.ListStatuses(ctx, "initech", "api", headSHA, nil)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "success", list[0].GetState(), "newest first")
	require.Equal(t, "pending", list[1].GetState())

	combined, _, err := client.Repositories.GetCombinedStatus(ctx, "initech", "api", headSHA, nil)
	require.NoError(t, err)
	require.Equal(t, "success", combined.GetState())
	require.Equal(t, 1, combined.GetTotalCount())

	stored := e.server.Statuses("initech", "api", headSHA)
	require.Len(t, stored, 2)
	require.Equal(t, "pending", stored[0].State)
	require.Equal(t, "CentralCloud", stored[0].Context)
	require.Equal(t, "scan pending", stored[0].Description)
	require.Equal(t, "https://centralcloud.example/r/1", stored[0].TargetURL)
	require.Equal(t, int64(installationInitech), stored[0].InstallationID)
}

func TestCommitStatusValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	cases := []struct {
		name   string
		sha    string
		status github.RepoStatus
		field  string
	}{
		{name: "state missing", sha: headSHA, status: github.RepoStatus{}, field: "state"},
		{name: "state unknown", sha: headSHA, status: github.RepoStatus{State: github.String("done")}, field: "state"},
		{name: "sha not a commit", sha: "main", status: github.RepoStatus{State: github.String("success")}, field: "sha"},
		{
			name: "description over 140 characters", sha: headSHA,
			status: github.RepoStatus{State: github.String("success"), Description: github.String(strings.Repeat("d", 141))},
			field:  "description",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := client.Repositories.CreateStatus(ctx, "acme", "app", tc.sha, &tc.status)
			errResp := requireErrorResponse(t, err, http.StatusUnprocessableEntity, "Validation Failed")
			require.Len(t, errResp.Errors, 1)
			require.Equal(t, tc.field, errResp.Errors[0].Field)
		})
	}
}

func TestCommitStatusNeedsPermission(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	token, _, err := e.appClient(t).Apps.CreateInstallationToken(ctx, installationAcme, &github.InstallationTokenOptions{
		Permissions: &github.InstallationPermissions{Checks: github.String("write")},
	})
	require.NoError(t, err)
	checksOnly := clientWithCredential(t, e.server, token.GetToken())

	_, _, err = checksOnly.Repositories.CreateStatus(ctx, "acme", "app", headSHA, &github.RepoStatus{
		State: github.String("pending"),
	})
	requireErrorResponse(t, err, http.StatusForbidden, "Resource not accessible by integration")
	require.Empty(t, e.server.Statuses("acme", "app", headSHA))
}
