package fakegithub_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// bearerTransport sends a fixed Authorization header, to hand-made JWTs.
type bearerTransport struct{ credential string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.credential)
	return http.DefaultTransport.RoundTrip(r)
}

// clientWithCredential returns a go-github client that sends credential as
// a bearer token to the fake.
func clientWithCredential(t *testing.T, server *fakegithub.Server, credential string) *github.Client {
	t.Helper()
	client := github.NewClient(&http.Client{Transport: bearerTransport{credential}})
	base, err := url.Parse(server.URL())
	require.NoError(t, err)
	client.BaseURL = base
	return client
}

func signJWT(t *testing.T, key *rsa.PrivateKey, method jwt.SigningMethod, claims jwt.MapClaims) string {
	t.Helper()
	signed, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return signed
}

// requireErrorResponse checks that err is go-github's error for the status
// and message.
func requireErrorResponse(t *testing.T, err error, status int, message string) *github.ErrorResponse {
	t.Helper()
	var errResp *github.ErrorResponse
	require.ErrorAs(t, err, &errResp)
	require.Equal(t, status, errResp.Response.StatusCode)
	require.Equal(t, message, errResp.Message)
	return errResp
}

func TestAppJWTFromGoGithubapp(t *testing.T) {
	t.Parallel()
	e := setup(t)

	app, _, err := e.appClient(t).Apps.Get(testContext(t), "")
	require.NoError(t, err)
	require.Equal(t, int64(appID), app.GetID())
	require.Equal(t, "centralcloud", app.GetSlug())
	require.Equal(t, "CentralCloud", app.GetName())
	require.Equal(t, "centralcloud", app.GetOwner().GetLogin())
	require.Equal(t, "write", app.GetPermissions().GetChecks())
	require.Equal(t, e.server.WebURL()+"apps/centralcloud", app.GetHTMLURL())
}

func TestAppJWTWrongKeyRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	client, err := newCreator(t, e.server, otherKey).NewAppClient()
	require.NoError(t, err)

	_, _, err = client.Apps.Get(testContext(t), "")
	requireErrorResponse(t, err, http.StatusUnauthorized, "A JSON web token could not be decoded")
	calls := e.server.CallsTo(fakegithub.RouteGetApp)
	require.Len(t, calls, 1)
	require.Equal(t, http.StatusUnauthorized, calls[0].Status)
}

func TestAppJWTClaimsRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	now := time.Now()
	iss := strconv.Itoa(appID)
	cases := []struct {
		name    string
		method  jwt.SigningMethod
		claims  jwt.MapClaims
		message string
	}{
		{
			name:    "expired",
			claims:  jwt.MapClaims{"iss": iss, "iat": now.Add(-5 * time.Minute).Unix(), "exp": now.Add(-time.Minute).Unix()},
			message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
		},
		{
			name:    "lifetime over ten minutes",
			claims:  jwt.MapClaims{"iss": iss, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(10 * time.Minute).Unix()},
			message: "'Expiration time' claim ('exp') is too far in the future",
		},
		{
			name:    "exp over ten minutes ahead",
			claims:  jwt.MapClaims{"iss": iss, "iat": now.Add(time.Minute).Unix(), "exp": now.Add(10*time.Minute + 30*time.Second).Unix()},
			message: "'Expiration time' claim ('exp') is too far in the future",
		},
		{
			name:    "iat beyond clock drift",
			claims:  jwt.MapClaims{"iss": iss, "iat": now.Add(2 * time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix()},
			message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
		},
		{
			name:    "iat missing",
			claims:  jwt.MapClaims{"iss": iss, "exp": now.Add(5 * time.Minute).Unix()},
			message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
		},
		{
			name:    "fractional exp",
			claims:  jwt.MapClaims{"iss": iss, "iat": now.Unix(), "exp": float64(now.Add(5*time.Minute).Unix()) + 0.5},
			message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
		},
		{
			name:    "other app",
			claims:  jwt.MapClaims{"iss": "999", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()},
			message: "A JSON web token could not be decoded",
		},
		{
			name:    "RS512 instead of RS256",
			method:  jwt.SigningMethodRS512,
			claims:  jwt.MapClaims{"iss": iss, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()},
			message: "A JSON web token could not be decoded",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := tc.method
			if method == nil {
				method = jwt.SigningMethodRS256
			}
			client := clientWithCredential(t, e.server, signJWT(t, appKey(), method, tc.claims))
			_, _, err := client.Apps.Get(testContext(t), "")
			requireErrorResponse(t, err, http.StatusUnauthorized, tc.message)
		})
	}
}

func TestAppJWTAcceptedWithClockDrift(t *testing.T) {
	t.Parallel()
	e := setup(t)
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": strconv.Itoa(appID), "iat": now.Add(50 * time.Second).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
	}
	client := clientWithCredential(t, e.server, signJWT(t, appKey(), jwt.SigningMethodRS256, claims))

	app, _, err := client.Apps.Get(testContext(t), "")
	require.NoError(t, err)
	require.Equal(t, int64(appID), app.GetID())
}

func TestAppRouteRejectsInstallationToken(t *testing.T) {
	t.Parallel()
	e := setup(t)
	token, err := e.server.IssueToken(installationAcme)
	require.NoError(t, err)

	_, _, err = clientWithCredential(t, e.server, token).Apps.Get(testContext(t), "")
	requireErrorResponse(t, err, http.StatusUnauthorized, "A JSON web token could not be decoded")
}

func TestRequestWithoutCredentials(t *testing.T) {
	t.Parallel()
	e := setup(t)
	client := github.NewClient(nil)
	base, err := url.Parse(e.server.URL())
	require.NoError(t, err)
	client.BaseURL = base

	_, _, err = client.Apps.ListRepos(testContext(t), nil)
	requireErrorResponse(t, err, http.StatusUnauthorized, "Requires authentication")
}

func TestServerClockAheadExpiresJWT(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *fakegithub.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Hour) }
	})

	_, _, err := e.appClient(t).Apps.Get(testContext(t), "")
	requireErrorResponse(t, err, http.StatusUnauthorized,
		"'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	// ghinstallation renews a token one minute before it expires, so a
	// 30-second lifetime makes it fetch a new token for every request.
	e := setup(t, func(o *fakegithub.Options) { o.TokenTTL = 30 * time.Second })
	client := e.installationClient(t, installationAcme)
	ctx := testContext(t)

	for range 3 {
		_, _, err := client.Apps.ListRepos(ctx, nil)
		require.NoError(t, err)
	}
	tokens := e.server.IssuedTokens(installationAcme)
	require.Len(t, tokens, 3)
	require.NotEqual(t, tokens[0].Token, tokens[1].Token)
	require.WithinDuration(t, tokens[0].IssuedAt.Add(30*time.Second), tokens[0].ExpiresAt, time.Second)
}

func TestExpiredTokenGetsBadCredentials(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	_, _, err := client.Apps.ListRepos(ctx, nil)
	require.NoError(t, err)

	require.Equal(t, 1, e.server.ExpireInstallationTokens(installationAcme))
	_, _, err = client.Apps.ListRepos(ctx, nil)
	requireErrorResponse(t, err, http.StatusUnauthorized, "Bad credentials")

	// A new client fetches a new token, as a renewal after 401 would.
	renewed := newCreator(t, e.server, appKey())
	fresh, err := renewed.NewInstallationClient(installationAcme)
	require.NoError(t, err)
	_, _, err = fresh.Apps.ListRepos(ctx, nil)
	require.NoError(t, err)
	require.Len(t, e.server.IssuedTokens(installationAcme), 2)
}

func TestTokenExpiresOnServerClock(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	e := setup(t, func(o *fakegithub.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	_, _, err := client.Apps.ListRepos(ctx, nil)
	require.NoError(t, err)

	// The client still holds its token, which has expired by the server's clock.
	offset.Store(int64(61 * time.Minute))
	_, _, err = client.Apps.ListRepos(ctx, nil)
	requireErrorResponse(t, err, http.StatusUnauthorized, "Bad credentials")
}

func TestSuspendedInstallationRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	token, err := e.server.IssueToken(installationAcme)
	require.NoError(t, err)
	require.NoError(t, e.server.SetSuspended(installationAcme, true))

	_, _, err = e.installationClient(t, installationAcme).Apps.ListRepos(ctx, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "403")
	calls := e.server.CallsTo(fakegithub.RouteCreateAccessToken)
	require.Len(t, calls, 1)
	require.Equal(t, http.StatusForbidden, calls[0].Status)

	_, _, err = clientWithCredential(t, e.server, token).Apps.ListRepos(ctx, nil)
	requireErrorResponse(t, err, http.StatusForbidden, "This installation has been suspended")

	require.NoError(t, e.server.SetSuspended(installationAcme, false))
	_, _, err = clientWithCredential(t, e.server, token).Apps.ListRepos(ctx, nil)
	require.NoError(t, err)
}

func TestRemovedInstallationRevokesTokens(t *testing.T) {
	t.Parallel()
	e := setup(t)
	token, err := e.server.IssueToken(installationGlobex)
	require.NoError(t, err)
	e.server.RemoveInstallation(installationGlobex)

	_, _, err = clientWithCredential(t, e.server, token).Apps.ListRepos(testContext(t), nil)
	requireErrorResponse(t, err, http.StatusUnauthorized, "Bad credentials")

	_, _, err = e.appClient(t).Apps.GetInstallation(testContext(t), installationGlobex)
	var errResp *github.ErrorResponse
	require.True(t, errors.As(err, &errResp))
	require.Equal(t, http.StatusNotFound, errResp.Response.StatusCode)
}
