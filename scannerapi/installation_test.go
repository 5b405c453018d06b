package scannerapi_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/githubapp"
	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
	"github.com/centralcloud/centralcloud/scannerapi"
)

// installations is a fake GitHub with two installations, A and B, each
// with one repository, and the real verifier of the GitHub App package.
type installations struct {
	github       *fakegithub.Server
	loginA       string
	loginB       string
	idA, idB     int64
	verifyTokens scannerapi.InstallationVerifier
}

func newInstallations(t *testing.T) *installations {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	n, err := rand.Int(rand.Reader, big.NewInt(1<<40))
	require.NoError(t, err)
	base := n.Int64() + 1000
	in := &installations{loginA: uniqueLogin("inst-a"), loginB: uniqueLogin("inst-b"), idA: base, idB: base + 1}
	in.github = fakegithub.New(fakegithub.Options{
		AppID:     4242,
		PublicKey: &key.PublicKey,
		Installations: []fakegithub.Installation{
			{ID: in.idA, Account: fakegithub.Account{Login: in.loginA, ID: base + 10},
				Repositories: []fakegithub.Repository{{ID: base + 20, Owner: in.loginA, Name: "widgets"}}},
			{ID: in.idB, Account: fakegithub.Account{Login: in.loginB, ID: base + 11},
				Repositories: []fakegithub.Repository{{ID: base + 21, Owner: in.loginB, Name: "gadgets"}}},
		},
	})
	t.Cleanup(in.github.Close)
	app, err := githubapp.New(githubapp.Options{
		AppID: 4242, PrivateKey: string(keyPEM), WebhookSecret: "secret",
		V3APIURL: in.github.URL(), WebURL: in.github.WebURL(),
	}, githubapp.Dependencies{Pool: dbtest.Pool(t), Registerer: prometheus.NewRegistry(), Logger: zerolog.Nop()})
	require.NoError(t, err)
	in.verifyTokens = app.ScannerVerifier()
	return in
}

func (in *installations) token(t *testing.T, installationID int64) string {
	t.Helper()
	token, err := in.github.IssueToken(installationID)
	require.NoError(t, err)
	return token
}

func TestInstallationTokenScopedToItsRepositories(t *testing.T) {
	t.Parallel()
	in := newInstallations(t)
	f := setup(t, func(o *options) { o.verify = in.verifyTokens })
	tokenA, tokenB := in.token(t, in.idA), in.token(t, in.idB)

	own := map[string]any{"local_run_id": "ci-1", "repo": map[string]any{"owner": in.loginA, "name": "widgets"}, "commit": commitA}
	r := f.post("/scanner/runs", tokenA, own)
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
	runA := r.body["server_run_id"].(string)

	other := map[string]any{"local_run_id": "ci-1", "repo": map[string]any{"owner": in.loginB, "name": "gadgets"}, "commit": commitA}
	requireProblem(t, f.post("/scanner/runs", tokenA, other), http.StatusForbidden, "")

	notInstalled := map[string]any{"local_run_id": "ci-1", "repo": map[string]any{"owner": in.loginA, "name": "secret"}, "commit": commitA}
	requireProblem(t, f.post("/scanner/runs", tokenA, notInstalled), http.StatusForbidden, "")

	// B's token cannot post events to A's run: it looks absent.
	requireProblem(t, f.post("/scanner/events", tokenB, event(runA, true)), http.StatusNotFound, "server_run_id")
	require.Equal(t, 0, storedFindings(t, runA))

	requireProblem(t, f.post("/scanner/runs", "ghs_notatokenthatgithubissued000000000", own), http.StatusUnauthorized, "")

	final := f.post("/scanner/events", tokenA, event(runA, true, nativeFinding("p", "error", "a.go", 1)))
	require.Equal(t, http.StatusOK, final.status, string(final.raw))
}

func TestSuspendedInstallationTokenForbidden(t *testing.T) {
	t.Parallel()
	in := newInstallations(t)
	f := setup(t, func(o *options) { o.verify = in.verifyTokens })
	tokenB := in.token(t, in.idB)
	require.NoError(t, in.github.SetSuspended(in.idB, true))
	body := map[string]any{"local_run_id": "ci-1", "repo": map[string]any{"owner": in.loginB, "name": "gadgets"}, "commit": commitA}
	r := f.post("/scanner/runs", tokenB, body)
	requireProblem(t, r, http.StatusForbidden, "")
	require.Contains(t, r.body["detail"], "suspended")
}
