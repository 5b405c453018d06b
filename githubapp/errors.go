package githubapp

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// RetryAfterError is implemented by handler errors that request a retry
// of the message after the given delay rather than after the queue
// runner's own backoff. The checks handler returns one when GitHub
// requests a wait (secondary rate limit, exhausted primary rate limit,
// Retry-After).
type RetryAfterError interface {
	RetryAfter() time.Duration
}

// Bounds of a retry delay taken from GitHub's headers.
const (
	minRetryDelay     = time.Second
	maxRetryDelay     = time.Hour
	defaultRetryDelay = time.Minute
)

// resourceNotAccessible is GitHub's message when the installation lacks a
// permission that the request needs.
const resourceNotAccessible = "Resource not accessible by integration"

type retryAfterError struct {
	err   error
	delay time.Duration
}

func (e *retryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.err, e.delay)
}

func (e *retryAfterError) Unwrap() error { return e.err }

func (e *retryAfterError) RetryAfter() time.Duration { return e.delay }

// retryAfter wraps err with a delay clamped to [minRetryDelay, maxRetryDelay].
func retryAfter(err error, delay time.Duration) error {
	delay = max(delay, minRetryDelay)
	delay = min(delay, maxRetryDelay)
	return &retryAfterError{err: err, delay: delay}
}

// classifyGitHubError turns GitHub's requests to wait into a
// RetryAfterError, following GitHub's guidance on rate limits: wait for
// Retry-After when present, else until X-RateLimit-Reset when
// X-RateLimit-Remaining is 0, else at least a minute for a secondary rate
// limit. Other errors, plain 5xx responses included, are returned
// unchanged, so the queue runner retries them with its exponential backoff.
func classifyGitHubError(err error) error {
	if err == nil {
		return nil
	}
	// go-github's own types: it reports a 403 secondary rate limit and an
	// exhausted primary limit, and refuses calls locally until the reset.
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		if abuse.RetryAfter != nil {
			return retryAfter(err, *abuse.RetryAfter)
		}
		return retryAfter(err, defaultRetryDelay)
	}
	var primary *github.RateLimitError
	if errors.As(err, &primary) {
		return retryAfter(err, time.Until(primary.Rate.Reset.Time))
	}

	res := errorResponse(err)
	if res == nil {
		return err
	}
	if delay, ok := retryAfterHeader(res.Header, time.Now()); ok {
		return retryAfter(err, delay)
	}
	if res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusTooManyRequests {
		return err
	}

	if delay, ok := rateLimitReset(res.Header, time.Now()); ok {
		return retryAfter(err, delay)
	}
	if res.StatusCode == http.StatusTooManyRequests || strings.Contains(strings.ToLower(errorMessage(err)), "rate limit") {
		return retryAfter(err, defaultRetryDelay)
	}
	return err
}

// retryAfterHeader reads Retry-After, in seconds or as an HTTP date.
func retryAfterHeader(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(seconds) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return at.Sub(now), true
	}
	return 0, false
}

// rateLimitReset reads X-RateLimit-Reset (Unix seconds) of an exhausted
// rate limit. GitHub sends the header with every response, so it means
// "wait" only when X-RateLimit-Remaining is 0.
func rateLimitReset(h http.Header, now time.Time) (time.Duration, bool) {
	if h.Get("X-RateLimit-Remaining") != "0" {
		return 0, false
	}
	epoch, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return 0, false
	}
	return time.Unix(epoch, 0).Sub(now), true
}

// errorMessage returns the message of GitHub's error body, if any.
func errorMessage(err error) string {
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		return er.Message
	}
	return ""
}

// errorResponse returns the HTTP response behind a go-github error or an
// installation token request that GitHub rejected.
func errorResponse(err error) *http.Response {
	var tokenErr *ghinstallation.HTTPError
	if errors.As(err, &tokenErr) && tokenErr.Response != nil {
		return tokenErr.Response
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		return rl.Response
	}
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) && abuse.Response != nil {
		return abuse.Response
	}
	return nil
}

// tokenRequestRejected reports whether GitHub rejected a token request for
// an installation because it no longer exists (404) or is suspended (403
// without rate-limit headers). Retrying cannot help until a webhook
// changes the installation.
func tokenRequestRejected(err error) bool {
	var tokenErr *ghinstallation.HTTPError
	if !errors.As(err, &tokenErr) || tokenErr.Response == nil {
		return false
	}
	switch tokenErr.Response.StatusCode {
	case http.StatusNotFound:
		return true
	case http.StatusForbidden:
		_, limited := retryAfterHeader(tokenErr.Response.Header, time.Now())
		return !limited && tokenErr.Response.Header.Get("X-RateLimit-Remaining") != "0"
	}
	return false
}

// statusCode returns the HTTP status of a go-github error, or 0.
func statusCode(err error) int {
	if res := errorResponse(err); res != nil {
		return res.StatusCode
	}
	return 0
}

// errNotAccessible marks a check run call that GitHub rejected because the
// installation lacks the checks permission.
var errNotAccessible = errors.New("installation lacks the checks permission")

// markNotAccessible wraps err with errNotAccessible when GitHub rejected
// the call for lack of permission.
func markNotAccessible(err error) error {
	if isNotAccessible(err) {
		return fmt.Errorf("%w: %w", errNotAccessible, err)
	}
	return err
}

// isNotAccessible reports whether GitHub rejected a call because the
// installation lacks the permission for it.
func isNotAccessible(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil &&
		er.Response.StatusCode == http.StatusForbidden && er.Message == resourceNotAccessible
}
