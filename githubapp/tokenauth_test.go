package githubapp

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

func TestVerifyReturnsOnlyTokenInstallation(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	other := newTenant()
	otherLib := fakegithub.Repository{ID: other.Repo.ID + 500_000, Owner: other.Account.Login, Name: "lib"}
	require.NoError(t, e.fake.AddInstallation(fakegithub.Installation{
		ID: other.InstallationID, Account: other.Account, Permissions: fullPermissions,
		Repositories: []fakegithub.Repository{other.Repo, otherLib},
	}))
	tokenA, err := e.fake.IssueToken(e.tenant.InstallationID)
	require.NoError(t, err)
	tokenB, err := e.fake.IssueToken(other.InstallationID)
	require.NoError(t, err)
	verifier := e.app.TokenVerifier()

	access, err := verifier.Verify(e.ctx, tokenA)
	require.NoError(t, err)
	assert.Equal(t, e.tenant.InstallationID, access.InstallationID)
	assert.Equal(t, e.tenant.Account.Login, access.AccountLogin)
	assert.Equal(t, e.tenant.Account.ID, access.AccountID)
	assert.Equal(t, []RepositoryRef{{ID: e.tenant.Repo.ID, Owner: e.tenant.Repo.Owner, Name: e.tenant.Repo.Name}},
		access.Repositories, "installation A's token reaches none of B's repositories")

	access, err = verifier.Verify(e.ctx, tokenB)
	require.NoError(t, err)
	assert.Equal(t, other.InstallationID, access.InstallationID)
	assert.ElementsMatch(t, []RepositoryRef{
		{ID: other.Repo.ID, Owner: other.Repo.Owner, Name: other.Repo.Name},
		{ID: otherLib.ID, Owner: otherLib.Owner, Name: otherLib.Name},
	}, access.Repositories)
}

func TestVerifyPagesThroughRepositories(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	for i := range 150 {
		require.NoError(t, e.fake.AddRepository(e.tenant.InstallationID, fakegithub.Repository{
			ID: e.tenant.Repo.ID*1000 + int64(i), Owner: e.tenant.Account.Login, Name: fmt.Sprintf("repo-%03d", i),
		}))
	}
	token, err := e.fake.IssueToken(e.tenant.InstallationID)
	require.NoError(t, err)
	access, err := e.app.TokenVerifier().Verify(e.ctx, token)
	require.NoError(t, err)
	assert.Len(t, access.Repositories, 151)
	assert.Len(t, e.fake.CallsTo(fakegithub.RouteListInstallationRepos), 2, "two pages of 100")
}

func TestVerifyCachesByTokenHash(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	token, err := e.fake.IssueToken(e.tenant.InstallationID)
	require.NoError(t, err)
	verifier := e.app.TokenVerifier()
	first, err := verifier.Verify(e.ctx, token)
	require.NoError(t, err)
	first.Repositories[0].Name = "changed by the caller"
	second, err := verifier.Verify(e.ctx, token)
	require.NoError(t, err)
	assert.Equal(t, e.tenant.Repo.Name, second.Repositories[0].Name, "callers get copies")
	assert.Len(t, e.fake.CallsTo(fakegithub.RouteListInstallationRepos), 1, "second answer from the cache")
	verifications := e.app.checks.metrics.tokenVerifications
	assert.Equal(t, 1.0, testutil.ToFloat64(verifications.WithLabelValues("cached")))

	for _, key := range verifier.results.Keys() {
		assert.Len(t, key, 64, "SHA-256 in hex")
		assert.NotContains(t, key, token[4:], "cache keys do not contain the token")
	}
}

func TestVerifyRevalidatesWithETag(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) {
		o.skipInstall = true
		o.tokenTTL = time.Nanosecond
	})
	token, err := e.fake.IssueToken(e.tenant.InstallationID)
	require.NoError(t, err)
	for range 2 {
		_, err := e.app.TokenVerifier().Verify(e.ctx, token)
		require.NoError(t, err)
	}
	calls := e.fake.CallsTo(fakegithub.RouteListInstallationRepos)
	require.Len(t, calls, 2)
	assert.Equal(t, http.StatusOK, calls[0].Status)
	assert.Equal(t, http.StatusNotModified, calls[1].Status, "the second check is a conditional request")
}

func TestVerifyRejectsBadTokens(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	verifier := e.app.TokenVerifier()
	for _, token := range []string{"", "cct_123", "ghp_personal", "ghs_" + string(make([]byte, 300))} {
		_, err := verifier.Verify(e.ctx, token)
		assert.ErrorIs(t, err, ErrInvalidToken, "%.10q", token)
	}
	assert.Empty(t, e.fake.Calls(), "malformed tokens are not sent to GitHub")

	_, err := verifier.Verify(e.ctx, "ghs_unknownTokenValue0000000000000000")
	assert.ErrorIs(t, err, ErrInvalidToken)

	expired, err := e.fake.IssueToken(e.tenant.InstallationID)
	require.NoError(t, err)
	require.True(t, e.fake.ExpireToken(expired))
	_, err = verifier.Verify(e.ctx, expired)
	assert.ErrorIs(t, err, ErrInvalidToken)
}

func TestVerifySuspendedInstallation(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	token, err := e.fake.IssueToken(e.tenant.InstallationID)
	require.NoError(t, err)
	require.NoError(t, e.fake.SetSuspended(e.tenant.InstallationID, true))
	_, err = e.app.TokenVerifier().Verify(e.ctx, token)
	assert.ErrorIs(t, err, ErrInstallationSuspended)
}

func TestVerifyGitHubErrorNotCached(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	token, err := e.fake.IssueToken(e.tenant.InstallationID)
	require.NoError(t, err)
	e.fake.InjectFault(fakegithub.ServerError(fakegithub.RouteListInstallationRepos, 1, http.StatusBadGateway))
	_, err = e.app.TokenVerifier().Verify(e.ctx, token)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrInvalidToken)
	access, err := e.app.TokenVerifier().Verify(e.ctx, token)
	require.NoError(t, err)
	assert.Equal(t, e.tenant.InstallationID, access.InstallationID)
}
