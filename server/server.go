// Package server assembles CentralCloud's HTTP routes and middleware: the
// scanner API, the pattern snapshot, GitHub webhooks, health and metrics.
package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/problem"
	"github.com/centralcloud/centralcloud/scannerapi"
)

// Routes are the handlers that the router serves. Nil handlers are left
// out.
type Routes struct {
	Scanner *scannerapi.API
	// Snapshot serves GET and HEAD /patterns/snapshot behind the scanner
	// authentication.
	Snapshot http.Handler
	// Webhook serves POST /api/github/hook.
	Webhook http.Handler
	Health  *Health
	// Gatherer serves /metrics when set.
	Gatherer prometheus.Gatherer
}

// Options configures the router.
type Options struct {
	Logger       zerolog.Logger
	MaxBodyBytes int64
	Registerer   prometheus.Registerer
}

// NewRouter builds the HTTP handler.
func NewRouter(routes Routes, opts Options) http.Handler {
	r := chi.NewRouter()
	metrics := newHTTPMetrics(opts.Registerer)
	r.Use(requestContext(opts.Logger), observe(metrics), recoverer, limitBody(opts.MaxBodyBytes))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, problem.NotFound("no route "+r.URL.Path+": see the API reference for the paths"))
	})
	r.MethodNotAllowed(methodNotAllowed(r))
	if routes.Health != nil {
		r.Get("/healthz", routes.Health.Live)
		r.Get("/readyz", routes.Health.Ready)
	}
	if routes.Gatherer != nil {
		r.Handle("/metrics", promhttp.HandlerFor(routes.Gatherer, promhttp.HandlerOpts{}))
	}
	if routes.Scanner != nil {
		routes.Scanner.Mount(r)
		if routes.Snapshot != nil {
			r.With(routes.Scanner.Authenticate).Method(http.MethodGet, "/patterns/snapshot", routes.Snapshot)
			r.With(routes.Scanner.Authenticate).Method(http.MethodHead, "/patterns/snapshot", routes.Snapshot)
		}
	}
	if routes.Webhook != nil {
		r.Method(http.MethodPost, "/api/github/hook", routes.Webhook)
	}
	return r
}

// methodNotAllowed responds 405 with the Allow header listing the methods
// that the path accepts.
func methodNotAllowed(router chi.Routes) http.HandlerFunc {
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions}
	return func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range methods {
			if router.Match(chi.NewRouteContext(), m, r.URL.Path) {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		problem.Write(w, problem.New(http.StatusMethodNotAllowed, "method-not-allowed",
			r.Method+" is not allowed on "+r.URL.Path+": use "+strings.Join(allowed, " or ")))
	}
}
