package githubapp

import (
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/queue"
)

// App is the GitHub App side of CentralCloud: the webhook endpoint, the
// checks queue handler, the stale-check reconciler and the installation
// token verifier. It is assembled by New.
type App struct {
	opts       Options
	clients    *Clients
	webhook    http.Handler
	checks     *ChecksHandler
	reconciler *Reconciler
	verifier   *TokenVerifier
}

// Dependencies are the services that the App shares with the rest of
// CentralCloud.
type Dependencies struct {
	Pool       *pgxpool.Pool
	Registerer prometheus.Registerer
	Logger     zerolog.Logger
	// DefaultFailOn is the configured fail_on policy for orgs that set
	// none: error, warning or note.
	DefaultFailOn string
}

// New assembles the App. With no App id (Options.Enabled false) it returns
// an App whose webhook handler responds 404 and whose checks handler
// finishes every message without effect, so the service runs without a
// GitHub App.
func New(opts Options, deps Dependencies) (*App, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if deps.DefaultFailOn == "" {
		deps.DefaultFailOn = "error"
	}
	metrics, err := NewMetrics(deps.Registerer)
	if err != nil {
		return nil, err
	}
	logger := deps.Logger.With().Str(logkey.Component, "githubapp").Logger()
	a := &App{opts: opts}
	if opts.Enabled() {
		if a.clients, err = NewClients(opts, metrics); err != nil {
			return nil, err
		}
		a.verifier = newTokenVerifier(a.clients, opts, metrics)
	}
	a.webhook = a.newWebhook(deps.Pool, metrics, logger)
	a.checks = &ChecksHandler{
		pool: deps.Pool, clients: a.clients, metrics: metrics, publicURL: opts.PublicURL,
		defaultFailOn: deps.DefaultFailOn, checkDeadline: opts.CheckDeadline,
		logger: logger.With().Str(logkey.Queue, queue.Checks).Logger(),
	}
	a.reconciler = &Reconciler{
		pool: deps.Pool, metrics: metrics, deadline: opts.CheckDeadline,
		interval: opts.ReconcileInterval, retention: opts.DeliveryRetention, logger: logger,
	}
	return a, nil
}

func (a *App) newWebhook(pool *pgxpool.Pool, metrics *Metrics, logger zerolog.Logger) http.Handler {
	if !a.opts.Enabled() {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, errDisabled.Error(), http.StatusNotFound)
		})
	}
	deps := &webhookDeps{pool: pool, metrics: metrics, appID: a.opts.AppID}
	return newWebhookHandler(deps, a.opts.WebhookSecret, logger)
}

// errDisabled is the webhook response body of a service without a
// GitHub App.
var errDisabled = errors.New("no GitHub App is configured: set github.app_id, github.private_key and github.webhook_secret")

// Enabled reports whether a GitHub App is configured. Without one,
// webhooks and checks are off.
func (a *App) Enabled() bool { return a.opts.Enabled() }

// WebhookHandler returns the handler to mount at POST /api/github/hook.
func (a *App) WebhookHandler() http.Handler { return a.webhook }

// Checks returns the handler of the Checks queue.
func (a *App) Checks() *ChecksHandler { return a.checks }

// Reconciler returns the stale-check reconciler for workers to run.
func (a *App) Reconciler() *Reconciler { return a.reconciler }

// TokenVerifier returns the installation token verifier, or nil when no
// App is configured.
func (a *App) TokenVerifier() *TokenVerifier { return a.verifier }
