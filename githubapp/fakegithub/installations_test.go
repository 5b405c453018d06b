package fakegithub_test

import (
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/gregjones/httpcache"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

func TestInstallationLookups(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	service := githubapp.NewInstallationsService(e.appClient(t))

	byRepo, err := service.GetByRepository(ctx, "acme", "lib")
	require.NoError(t, err)
	require.Equal(t, githubapp.Installation{ID: installationAcme, Owner: "acme", OwnerID: 501}, byRepo)

	byOrg, err := service.GetByOwner(ctx, "globex")
	require.NoError(t, err)
	require.Equal(t, int64(installationGlobex), byOrg.ID)

	// initech is a user: /orgs returns 404 and go-githubapp falls back to /users.
	byUser, err := service.GetByOwner(ctx, "initech")
	require.NoError(t, err)
	require.Equal(t, int64(installationInitech), byUser.ID)

	_, err = service.GetByRepository(ctx, "acme", "missing")
	require.ErrorAs(t, err, new(githubapp.InstallationNotFound))

	all, err := service.ListAll(ctx)
	require.NoError(t, err)
	require.Len(t, all, 3)
}

func TestGetInstallation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	require.NoError(t, e.server.SetSuspended(installationInitech, true))
	client := e.appClient(t)

	inst, _, err := client.Apps.GetInstallation(ctx, installationAcme)
	require.NoError(t, err)
	require.Equal(t, int64(installationAcme), inst.GetID())
	require.Equal(t, "acme", inst.GetAccount().GetLogin())
	require.Equal(t, "Organization", inst.GetTargetType())
	require.Equal(t, "write", inst.GetPermissions().GetChecks())
	require.Equal(t, int64(appID), inst.GetAppID())
	require.Equal(t, e.server.URL()+"app/installations/100/access_tokens", inst.GetAccessTokensURL())
	require.Nil(t, inst.SuspendedAt)

	suspended, _, err := client.Apps.GetInstallation(ctx, installationInitech)
	require.NoError(t, err)
	require.NotNil(t, suspended.SuspendedAt)
	require.Equal(t, "User", suspended.GetTargetType())
	require.Empty(t, suspended.GetPermissions().GetChecks())

	_, _, err = client.Apps.GetInstallation(ctx, 999)
	requireErrorResponse(t, err, http.StatusNotFound, "Not Found")
}

func TestListRepositoriesPaginated(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)

	first, resp, err := client.Apps.ListRepos(ctx, &github.ListOptions{PerPage: 1})
	require.NoError(t, err)
	require.Equal(t, 2, first.GetTotalCount())
	require.Len(t, first.Repositories, 1)
	require.Equal(t, "acme/app", first.Repositories[0].GetFullName())
	require.Equal(t, "acme", first.Repositories[0].GetOwner().GetLogin())
	require.Equal(t, e.server.URL()+"repos/acme/app", first.Repositories[0].GetURL())
	require.Equal(t, 2, resp.NextPage)

	second, resp, err := client.Apps.ListRepos(ctx, &github.ListOptions{PerPage: 1, Page: resp.NextPage})
	require.NoError(t, err)
	require.Equal(t, "acme/lib", second.Repositories[0].GetFullName())
	require.True(t, second.Repositories[0].GetPrivate())
	require.Zero(t, resp.NextPage)
	require.Equal(t, 1, resp.PrevPage)
}

func TestListRepositoriesRevalidatedByETag(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme) // go-githubapp client with httpcache

	_, first, err := client.Apps.ListRepos(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, first.Header.Get("ETag"))
	_, second, err := client.Apps.ListRepos(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "1", second.Header.Get(httpcache.XFromCache))

	calls := e.server.CallsTo(fakegithub.RouteListInstallationRepos)
	require.Len(t, calls, 2)
	require.Equal(t, http.StatusOK, calls[0].Status)
	require.Equal(t, http.StatusNotModified, calls[1].Status)
	require.Equal(t, first.Rate.Remaining, second.Rate.Remaining, "a 304 is not counted")

	// A change of the list changes the ETag, so the cache fetches again.
	require.NoError(t, e.server.AddRepository(installationAcme, fakegithub.Repository{ID: 1003, Owner: "acme", Name: "web"}))
	list, third, err := client.Apps.ListRepos(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, third.Header.Get(httpcache.XFromCache))
	require.Equal(t, 3, list.GetTotalCount())
}

func TestRepositoryChangesAtRunTime(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	token, err := e.server.IssueToken(installationAcme)
	require.NoError(t, err)
	client := clientWithCredential(t, e.server, token)
	options := github.CreateCheckRunOptions{Name: "CentralCloud", HeadSHA: headSHA}

	e.server.RemoveRepository(installationAcme, "acme", "app")
	_, _, err = client.Checks.CreateCheckRun(ctx, "acme", "app", options)
	requireErrorResponse(t, err, http.StatusNotFound, "Not Found")

	require.NoError(t, e.server.AddRepository(installationAcme, repoAcmeApp))
	_, _, err = client.Checks.CreateCheckRun(ctx, "acme", "app", options)
	require.NoError(t, err)

	err = e.server.AddRepository(installationGlobex, repoAcmeApp)
	require.ErrorContains(t, err, "belongs to installation 100")

	require.NoError(t, e.server.AddInstallation(fakegithub.Installation{
		ID: 400, Account: fakegithub.Account{Login: "hooli", ID: 504},
		Repositories: []fakegithub.Repository{{ID: 4001, Owner: "hooli", Name: "xyz"}},
	}))
	inst, _, err := e.appClient(t).Apps.FindRepositoryInstallation(ctx, "hooli", "xyz")
	require.NoError(t, err)
	require.Equal(t, int64(400), inst.GetID())
	require.Equal(t, "write", inst.GetPermissions().GetChecks(), "the App's permissions by default")
}

func TestAccessTokenLimitedToRepositories(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	app := e.appClient(t)

	token, resp, err := app.Apps.CreateInstallationToken(ctx, installationAcme, &github.InstallationTokenOptions{
		Repositories: []string{"lib"},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Regexp(t, `^ghs_[A-Za-z0-9]{36}$`, token.GetToken())
	require.Len(t, token.Repositories, 1)
	require.Equal(t, "acme/lib", token.Repositories[0].GetFullName())

	client := clientWithCredential(t, e.server, token.GetToken())
	list, _, err := client.Apps.ListRepos(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, 1, list.GetTotalCount())
	_, _, err = client.Checks.CreateCheckRun(ctx, "acme", "app", github.CreateCheckRunOptions{
		Name: "CentralCloud", HeadSHA: headSHA,
	})
	requireErrorResponse(t, err, http.StatusForbidden, "Resource not accessible by integration")

	_, _, err = app.Apps.CreateInstallationToken(ctx, installationAcme, &github.InstallationTokenOptions{
		Repositories: []string{"site"},
	})
	requireErrorResponse(t, err, http.StatusUnprocessableEntity,
		"There is at least one repository that does not exist or is not accessible to the parent installation.")
	_, _, err = app.Apps.CreateInstallationToken(ctx, installationInitech, &github.InstallationTokenOptions{
		Permissions: &github.InstallationPermissions{Checks: github.String("write")},
	})
	requireErrorResponse(t, err, http.StatusUnprocessableEntity,
		"The permissions requested are not granted to this installation.")
}

func TestUnknownRouteNotFound(t *testing.T) {
	t.Parallel()
	e := setup(t)
	client := e.installationClient(t, installationAcme)

	_, _, err := client.Repositories.Get(testContext(t), "acme", "app")
	requireErrorResponse(t, err, http.StatusNotFound, "Not Found")
	req, err := client.NewRequest(http.MethodDelete, "repos/acme/app/check-runs/1", nil)
	require.NoError(t, err)
	_, err = client.Do(testContext(t), req, nil)
	requireErrorResponse(t, err, http.StatusNotFound, "Not Found")

	calls := e.server.CallsTo(fakegithub.RouteUnknown)
	require.Len(t, calls, 2)
	require.Equal(t, "/repos/acme/app", calls[0].Path)
	require.Equal(t, http.MethodDelete, calls[1].Method)
}
