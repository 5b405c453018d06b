package main

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/githubapp"
	"github.com/centralcloud/centralcloud/scannerapi"
)

// newGitHubApp builds the process's GitHub App parts: the webhook handler,
// the checks queue handler, the reconciler and the installation token
// verifier. Build it once per process, because it registers its metrics.
// Without github.app_id it still returns an App, whose Enabled is false.
func newGitHubApp(app *cliApp, pool *pgxpool.Pool, reg prometheus.Registerer) (*githubapp.App, error) {
	return githubapp.New(githubOptions(app.cfg), githubapp.Dependencies{
		Pool:          pool,
		Registerer:    reg,
		Logger:        app.logger,
		DefaultFailOn: app.cfg.Policies.FailOn,
	})
}

// githubOptions maps the github section of the configuration, and the
// public URL that check runs link to, to the App's options.
func githubOptions(cfg *config.Config) githubapp.Options {
	g := cfg.GitHub
	return githubapp.Options{
		AppID:             g.AppID,
		PrivateKey:        g.PrivateKey,
		WebhookSecret:     g.WebhookSecret,
		V3APIURL:          g.V3APIURL,
		WebURL:            g.WebURL,
		CAFile:            g.CAFile,
		ProxyURL:          g.ProxyURL,
		PublicURL:         cfg.HTTP.PublicURL,
		UserAgent:         "centralcloud/" + version,
		RequestTimeout:    g.RequestTimeout,
		CheckDeadline:     g.CheckDeadline,
		ReconcileInterval: g.ReconcileInterval,
		TokenCacheTTL:     g.TokenCacheTTL,
		DeliveryRetention: g.DeliveryRetention,
	}
}

// installationVerifier adapts the App's token verifier to the scanner API,
// or returns nil without an App, which makes the API refuse installation
// tokens.
func installationVerifier(gh *githubapp.App) scannerapi.InstallationVerifier {
	verifier := gh.TokenVerifier()
	if verifier == nil {
		return nil
	}
	return func(ctx context.Context, token string) (*scannerapi.InstallationAccess, error) {
		access, err := verifier.Verify(ctx, token)
		// NOTE: a token of a suspended installation, or of repositories
		// without the App, gets 401 like an invalid one, because the
		// scanner API has no error for them yet.
		if errors.Is(err, githubapp.ErrInvalidToken) || errors.Is(err, githubapp.ErrNotInstalled) ||
			errors.Is(err, githubapp.ErrInstallationSuspended) {
			return nil, errors.Join(scannerapi.ErrInvalidInstallationToken, err)
		}
		if err != nil {
			return nil, err
		}
		out := &scannerapi.InstallationAccess{
			InstallationID: access.InstallationID,
			AccountLogin:   access.AccountLogin,
			AccountID:      access.AccountID,
			Repositories:   make([]scannerapi.RepositoryRef, len(access.Repositories)),
		}
		for i, r := range access.Repositories {
			out.Repositories[i] = scannerapi.RepositoryRef{ID: r.ID, Owner: r.Owner, Name: r.Name}
		}
		return out, nil
	}
}

// githubBackground returns the App's tasks that workers run until the
// context ends: the reconciler of stale check runs. The Checks queue's
// consumer calls gh.Checks().HandleMessage with each message body.
func githubBackground(gh *githubapp.App) []func(context.Context) error {
	if !gh.Enabled() {
		return nil
	}
	return []func(context.Context) error{gh.Reconciler().Run}
}
