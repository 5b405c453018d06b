package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
	"github.com/centralcloud/centralcloud/scannerapi"
)

func TestGitHubOptionsFromConfig(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.GitHub.AppID = 42
	cfg.GitHub.PrivateKey = "pem"
	cfg.GitHub.WebhookSecret = "secret"
	cfg.GitHub.CAFile = "/etc/ssl/ghes.pem"
	cfg.GitHub.ProxyURL = "http://proxy.internal:3128"
	cfg.GitHub.CheckDeadline = 45 * time.Minute
	cfg.HTTP.PublicURL = "https://cc.example.com"
	opts := githubOptions(cfg)
	assert.Equal(t, int64(42), opts.AppID)
	assert.Equal(t, "pem", opts.PrivateKey)
	assert.Equal(t, "secret", opts.WebhookSecret)
	assert.Equal(t, "https://api.github.com/", opts.V3APIURL)
	assert.Equal(t, "/etc/ssl/ghes.pem", opts.CAFile)
	assert.Equal(t, "http://proxy.internal:3128", opts.ProxyURL)
	assert.Equal(t, "https://cc.example.com", opts.PublicURL)
	assert.Equal(t, 45*time.Minute, opts.CheckDeadline)
	assert.Equal(t, time.Minute, opts.TokenCacheTTL)
	assert.NoError(t, opts.Validate())
}

func TestGitHubAppOffWithoutAppID(t *testing.T) {
	t.Parallel()
	app := &cliApp{cfg: config.Default(), logger: zerolog.Nop()}
	gh, err := newGitHubApp(app, dbtest.Pool(t), prometheus.NewRegistry())
	require.NoError(t, err)
	assert.False(t, gh.Enabled())
	assert.Nil(t, gh.ScannerVerifier(), "installation tokens are refused without an App")
	assert.Empty(t, githubBackground(gh))
}

func TestInstallationVerifierAdapter(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	repo := fakegithub.Repository{ID: 71, Owner: "adapter-org", Name: "svc"}
	fake, err := fakegithub.Start(fakegithub.Options{
		AppID: 42, PublicKey: &key.PublicKey,
		Installations: []fakegithub.Installation{{
			ID: 9, Account: fakegithub.Account{Login: "adapter-org", ID: 900},
			Repositories: []fakegithub.Repository{repo},
		}},
	})
	require.NoError(t, err)
	t.Cleanup(fake.Close)

	cfg := config.Default()
	cfg.GitHub.AppID = 42
	cfg.GitHub.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	cfg.GitHub.WebhookSecret = "secret"
	cfg.GitHub.V3APIURL = fake.URL()
	gh, err := newGitHubApp(&cliApp{cfg: cfg, logger: zerolog.Nop()}, dbtest.Pool(t), prometheus.NewRegistry())
	require.NoError(t, err)
	assert.Len(t, githubBackground(gh), 1)
	verify := gh.ScannerVerifier()
	require.NotNil(t, verify)

	token, err := fake.IssueToken(9)
	require.NoError(t, err)
	access, err := verify(t.Context(), token)
	require.NoError(t, err)
	assert.Equal(t, int64(9), access.InstallationID)
	assert.Equal(t, "adapter-org", access.AccountLogin)
	assert.Equal(t, int64(900), access.AccountID)
	assert.Equal(t, []scannerapi.RepositoryRef{{ID: 71, Owner: "adapter-org", Name: "svc"}}, access.Repositories)

	_, err = verify(t.Context(), "ghs_notIssuedByTheFake00000000000000")
	assert.ErrorIs(t, err, scannerapi.ErrInvalidInstallationToken)
}
