package fakegithub_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

func TestCallsRecorded(t *testing.T) {
	t.Parallel()
	e := setup(t)
	before := time.Now().Add(-time.Second)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)
	_, _, err := client.Checks.GetCheckRun(testContext(t), "acme", "app", run.GetID())
	require.NoError(t, err)

	calls := e.server.Calls()
	require.Len(t, calls, 3)
	token, create, get := calls[0], calls[1], calls[2]
	require.Equal(t, fakegithub.RouteCreateAccessToken, token.Route)
	require.Equal(t, int64(installationAcme), token.InstallationID)
	require.Equal(t, http.MethodPost, create.Method)
	require.Equal(t, "/repos/acme/app/check-runs", create.Path)
	require.Equal(t, fakegithub.RouteCreateCheckRun, create.Route)
	require.Equal(t, int64(installationAcme), create.InstallationID)
	require.Equal(t, http.StatusCreated, create.Status)
	require.JSONEq(t, `{"name": "CentralCloud", "head_sha": "`+headSHA+`", "external_id": "run-1"}`,
		string(create.RequestBody))
	require.WithinRange(t, create.Time, before, time.Now().Add(time.Second))
	require.NotEqual(t, create.RequestID, get.RequestID)
	require.Equal(t, http.StatusOK, get.Status)
	require.Len(t, e.server.CallsTo(fakegithub.RouteGetCheckRun), 1)
}

// TestBodiesKeepRecordedShape checks that responses carry every field of the
// recorded GitHub bodies they are made from.
func TestBodiesKeepRecordedShape(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)
	_, _, err := e.installationClient(t, installationInitech).Repositories.CreateStatus(ctx, "initech", "api", headSHA,
		&github.RepoStatus{State: github.String("success")})
	require.NoError(t, err)
	token, err := e.server.IssueToken(installationAcme)
	require.NoError(t, err)
	initechToken, err := e.server.IssueToken(installationInitech)
	require.NoError(t, err)

	cases := []struct {
		path, token, fixture string
	}{
		{path: "repos/acme/app/check-runs/" + strconv.FormatInt(run.GetID(), 10), token: token, fixture: "checks-create.completed.json"},
		{path: "repos/initech/api/commits/" + headSHA + "/statuses", token: initechToken,
			fixture: "repos-create-commit-status.json"},
		{path: "installation/repositories", token: token, fixture: "apps-list-repos-accessible-to-installation.json"},
	}
	for _, tc := range cases {
		body := getJSON(t, e.server.URL()+tc.path, tc.token)
		want := fixtureKeys(t, tc.fixture)
		require.Subset(t, topKeys(body), want, tc.path)
	}
}

func getJSON(t *testing.T, url, token string) any {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "token "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	var body any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body
}

// topKeys returns the keys of an object, or of the first object of a list.
func topKeys(v any) []string {
	if list, ok := v.([]any); ok {
		v = list[0]
	}
	return slices.Sorted(maps.Keys(v.(map[string]any)))
}

func fixtureKeys(t *testing.T, name string) []string {
	t.Helper()
	dir, err := fakegithub.DefaultFixturesDir()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "api", name))
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(data, &v))
	return topKeys(v)
}
