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

// newAuthFailureLimiter counts rejected credentials per client address, so
// a client guessing tokens is slowed down before any database lookup.
func newAuthFailureLimiter(perMinute int) *httprate.RateLimiter {
	return httprate.NewRateLimiter(perMinute, time.Minute)
}

// tooManyAuthFailures responds 429 when the client's address has used up its
// failed authentications for the window.
func (a *API) tooManyAuthFailures(w http.ResponseWriter, r *http.Request) bool {
	key, err := httprate.KeyByIP(r)
	if err != nil {
		return false
	}
	// Status reports the sliding-window count of failures for the key; its
	// boolean is true while under the limit.
	_, failures, err := a.authFailures.Status(key)
	if err != nil || failures < float64(a.opts.AuthFailuresPerMinute) {
		return false
	}
	d := problem.New(http.StatusTooManyRequests, "rate-limited",
		"too many requests with invalid tokens from this address: wait for the time in Retry-After and check the token")
	d.RetryAfter = time.Minute
	problem.Write(w, d)
	return true
}

func (a *API) countAuthFailure(w http.ResponseWriter, r *http.Request) {
	if key, err := httprate.KeyByIP(r); err == nil {
		a.authFailures.OnLimit(w, r, key)
	}
}
