package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/githubapp"
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

// githubBackground returns the App's tasks that workers run until the
// context ends: the reconciler of stale check runs. The Checks queue's
// consumer calls gh.Checks().HandleMessage with each message body.
func githubBackground(gh *githubapp.App) []func(context.Context) error {
	if !gh.Enabled() {
		return nil
	}
	return []func(context.Context) error{gh.Reconciler().Run}
}
