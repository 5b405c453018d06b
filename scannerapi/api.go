// Package scannerapi serves the endpoints that scanners call:
// POST /scanner/runs and POST /scanner/events, behind bearer-token
// authentication and a per-token rate limit.
package scannerapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/internal/problem"
	"github.com/centralcloud/centralcloud/store"
)

// SnapshotSource is the current pattern snapshot, held in memory.
type SnapshotSource interface {
	// ETag returns the bare hex SHA-256 of the current snapshot.
	ETag() string
	// Matches reports whether a client's bare ETag names the current
	// snapshot, and counts the check for the ETag hit ratio.
	Matches(etag string) bool
	// Inline returns the encrypted snapshot with its data key sealed to
	// clientKey (the X-Client-Key header value), as a JSON-encodable value.
	// A malformed key returns an error wrapping ErrInvalidClientKey that
	// names the expected format.
	Inline(clientKey string) (any, error)
}

// ErrInvalidClientKey marks a malformed X-Client-Key header.
var ErrInvalidClientKey = errors.New("invalid X-Client-Key")

// Options configures the API.
type Options struct {
	// Policies are the defaults where an org sets none.
	Policies store.Policy
	// RateLimitPerMinute caps requests per credential.
	RateLimitPerMinute int
	// MaxFindings caps the findings of one event.
	MaxFindings int
	// AuthFailuresPerMinute caps rejected credentials per client address.
	AuthFailuresPerMinute int
	// TokenCacheTTL is how long an authenticated org token is reused
	// without a database lookup; zero looks every request up.
	TokenCacheTTL time.Duration
	// VerifyInstallation checks GitHub installation tokens; nil rejects
	// them.
	VerifyInstallation InstallationVerifier
	// Snapshots provides the pattern snapshot; nil responds with the empty
	// snapshot's ETag and never sends a snapshot inline.
	Snapshots SnapshotSource
	// Registerer receives the API's metrics; nil registers nothing.
	Registerer prometheus.Registerer
}

// API holds the scanner endpoints' dependencies.
type API struct {
	db                 *pgxpool.Pool
	opts               Options
	verifyInstallation InstallationVerifier
	metrics            *apiMetrics
	authFailures       *httprate.RateLimiter
	// tokens caches authenticated org-token principals by the token's
	// SHA-256 for TokenCacheTTL, so a revoked token or a suspended
	// installation is noticed within the TTL on each replica. Policies are
	// not cached: a policy change shows in the next response.
	tokens *ttlCache[[32]byte, *Principal]
	// repositories caches repository records by org and lower-cased name.
	// Repository ids never change, so staleness only delays a recorded
	// GitHub repository id.
	repositories *ttlCache[repositoryKey, store.Repository]
}

type repositoryKey struct {
	orgID uuid.UUID
	name  string
}

// New builds the API on db.
func New(db *pgxpool.Pool, opts Options) *API {
	if opts.RateLimitPerMinute <= 0 {
		opts.RateLimitPerMinute = 600
	}
	if opts.MaxFindings <= 0 {
		opts.MaxFindings = 50000
	}
	if opts.AuthFailuresPerMinute <= 0 {
		opts.AuthFailuresPerMinute = 60
	}
	return &API{
		db: db, opts: opts, verifyInstallation: opts.VerifyInstallation,
		metrics:      newAPIMetrics(opts.Registerer),
		authFailures: newAuthFailureLimiter(opts.AuthFailuresPerMinute),
		tokens:       newTTLCache[[32]byte, *Principal](opts.TokenCacheTTL),
		repositories: newTTLCache[repositoryKey, store.Repository](time.Minute),
	}
}

// Mount adds the scanner routes to r. Every route authenticates first and
// is then rate limited per credential.
func (a *API) Mount(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(a.Authenticate, a.rateLimit())
		r.Post("/scanner/runs", a.registerRun)
		r.Post("/scanner/events", a.postEvent)
	})
}

func (a *API) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		zerolog.Ctx(r.Context()).Info().Err(err).Msg("request canceled by client")
		return
	}
	problem.Write(w, failureProblem(r, err))
}

// failureProblem logs err and returns 503 with Retry-After when the
// database is unreachable, else 500.
func failureProblem(r *http.Request, err error) *problem.Details {
	d := problem.Internal()
	if isUnavailable(err) {
		d = problem.New(http.StatusServiceUnavailable, "unavailable", "the database is unreachable: retry later")
		d.RetryAfter = 5 * time.Second
	}
	zerolog.Ctx(r.Context()).Error().Err(err).Str(logkey.Path, r.URL.Path).Msg("request failed")
	return d
}
