package fakegithub_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// admin sends a control request and decodes the JSON response into out.
func admin(t *testing.T, server *fakegithub.Server, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, server.AdminURL()+path, bytes.NewBufferString(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)

	status := admin(t, e.server, http.MethodPost, "installations",
		`{"id": 400, "account": {"login": "hooli", "id": 504}, "permissions": {"checks": "write"},
		  "repositories": [{"id": 4001, "owner": "hooli", "name": "xyz"}]}`, nil)
	require.Equal(t, http.StatusNoContent, status)
	var token struct{ Token string }
	require.Equal(t, http.StatusCreated, admin(t, e.server, http.MethodPost, "installations/400/tokens", "", &token))
	client := clientWithCredential(t, e.server, token.Token)

	status = admin(t, e.server, http.MethodPost, "faults",
		`{"route": "POST /repos/{owner}/{repo}/check-runs", "times": 1, "kind": "secondary_rate_limit", "retry_after": "5s"}`, nil)
	require.Equal(t, http.StatusNoContent, status)
	options := github.CreateCheckRunOptions{Name: "CentralCloud", HeadSHA: headSHA}
	_, _, err := client.Checks.CreateCheckRun(ctx, "hooli", "xyz", options)
	var abuse *github.AbuseRateLimitError
	require.ErrorAs(t, err, &abuse)
	_, _, err = clientWithCredential(t, e.server, token.Token).Checks.CreateCheckRun(ctx, "hooli", "xyz", options)
	require.NoError(t, err)

	var runs []fakegithub.CheckRun
	require.Equal(t, http.StatusOK, admin(t, e.server, http.MethodGet,
		"check-runs?owner=hooli&repo=xyz&head_sha="+headSHA, "", &runs))
	require.Len(t, runs, 1)
	require.Equal(t, "CentralCloud", runs[0].Name)

	var calls []fakegithub.Call
	admin(t, e.server, http.MethodGet, "calls", "", &calls)
	require.Len(t, calls, 2)
	require.Equal(t, http.StatusForbidden, calls[0].Status)
	require.Equal(t, int64(400), calls[1].InstallationID)

	var expired struct{ Expired int }
	admin(t, e.server, http.MethodPost, "installations/400/tokens/expire", "", &expired)
	require.Equal(t, 1, expired.Expired)

	var problem struct{ Message string }
	status = admin(t, e.server, http.MethodPost, "faults", `{"kind": "outage"}`, &problem)
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, problem.Message, `kind "outage" is invalid`)
}
