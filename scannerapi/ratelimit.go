package scannerapi

import (
	"net/http"
	"time"

	"github.com/go-chi/httprate"

	"github.com/centralcloud/centralcloud/internal/problem"
)

// rateLimit limits requests per credential with a sliding one-minute
// window. Counters live in process memory, so with N replicas behind a
// balancer a credential may reach up to N times the limit.
func (a *API) rateLimit() func(http.Handler) http.Handler {
	return httprate.Limit(a.opts.RateLimitPerMinute, time.Minute,
		httprate.WithKeyFuncs(func(r *http.Request) (string, error) {
			if p, ok := PrincipalFrom(r.Context()); ok {
				return p.RateKey, nil
			}
			return httprate.KeyByIP(r)
		}),
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			d := problem.New(http.StatusTooManyRequests, "rate-limited",
				"too many requests for this token: wait for the time in Retry-After, then retry")
			if w.Header().Get("Retry-After") == "" {
				d.RetryAfter = time.Minute
			}
			problem.Write(w, d)
		}))
}
