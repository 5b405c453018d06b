package githubapp

import (
	"net/http"
	"regexp"
	"strconv"
	"time"

	ghapp "github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// Installation label values for calls that belong to no installation.
const (
	installationLabelApp     = "app"
	installationLabelToken   = "token"
	installationLabelUnknown = "unknown"
)

var (
	// go-githubapp v0.26.0 names the client in the User-Agent it sets:
	// "(installation: 42)", "(application)" or "(oauth token)". The token
	// verifier's clients use "(installation token)".
	installationAgent = regexp.MustCompile(`\(installation: (\d+)\)`)
	// ghinstallation creates installation tokens with this path.
	accessTokenPath = regexp.MustCompile(`/app/installations/(\d+)/access_tokens$`)
	applicationTag  = regexp.MustCompile(`\(application\)`)
	tokenClientTag  = regexp.MustCompile(`\((?:oauth|installation) token\)`)
)

// instrument returns client middleware that logs and counts every GitHub
// call and records the rate-limit remaining. It wraps the base transport,
// below the HTTP cache and the token source, so it observes each request that
// goes over the network: installation token requests and ETag
// revalidations (304) included, cache hits excluded.
func instrument(metrics *Metrics) ghapp.ClientMiddleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			start := time.Now()
			res, err := next.RoundTrip(req)
			observeCall(req, res, err, time.Since(start), metrics)
			return res, err
		})
	}
}

func observeCall(req *http.Request, res *http.Response, err error, elapsed time.Duration, metrics *Metrics) {
	installation := installationLabel(req)
	class := "error"
	if res != nil {
		class = strconv.Itoa(res.StatusCode/100) + "xx"
		if remaining, perr := strconv.Atoi(res.Header.Get("X-RateLimit-Remaining")); perr == nil {
			metrics.rateLimitRemaining.WithLabelValues(installation).Set(float64(remaining))
		}
	}
	metrics.apiRequests.WithLabelValues(class, installation).Inc()
	metrics.apiDuration.WithLabelValues(class).Observe(elapsed.Seconds())

	logger := zerolog.Ctx(req.Context())
	event := logger.Debug()
	if err != nil || res.StatusCode >= 400 {
		event = logger.Warn()
	}
	event = event.Str(logkey.Method, req.Method).
		Str(logkey.Path, req.URL.Path).
		Dur(logkey.Duration, elapsed)
	if id, perr := strconv.ParseInt(installation, 10, 64); perr == nil {
		event = event.Int64(logkey.InstallationID, id)
	} else {
		event = event.Str(logkey.GitHubClient, installation)
	}
	if err != nil {
		event.Err(err).Msg("github request failed")
		return
	}
	event.Int(logkey.Status, res.StatusCode).
		Str(logkey.RateLimitLeft, res.Header.Get("X-RateLimit-Remaining")).
		Msg("github request")
}

// installationLabel names the installation a call was made for, from the
// User-Agent that go-githubapp sets or the token request's path.
func installationLabel(req *http.Request) string {
	agent := req.Header.Get("User-Agent")
	if m := installationAgent.FindStringSubmatch(agent); m != nil {
		return m[1]
	}
	if m := accessTokenPath.FindStringSubmatch(req.URL.Path); m != nil {
		return m[1]
	}
	if applicationTag.MatchString(agent) {
		return installationLabelApp
	}
	if tokenClientTag.MatchString(agent) {
		return installationLabelToken
	}
	return installationLabelUnknown
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) {
	return f(req)
}
