package githubapp

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/go-github/v62/github"
)

// RetryAfterError is implemented by handler errors that ask the queue runner
// to retry the message after the given delay rather than after its own
// backoff. The checks handler returns one when GitHub asks it to wait
// (secondary rate limit, exhausted primary rate limit, Retry-After).
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

// classifyGitHubError turns a rate-limit error or a response that carries
// Retry-After or X-RateLimit-Reset into a RetryAfterError. Other errors,
// including plain 5xx responses, are returned unchanged, so the queue
// runner retries them with its exponential backoff.
func classifyGitHubError(err error) error {
	if err == nil {
		return nil
	}
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
	code := res.StatusCode
	if code == http.StatusForbidden || code == http.StatusTooManyRequests || code >= 500 {
		if delay, ok := delayFromHeaders(res.Header, time.Now()); ok {
			return retryAfter(err, delay)
		}
	}
	return err
}

// delayFromHeaders reads Retry-After (seconds) or X-RateLimit-Reset (Unix
// seconds), which GitHub sends with secondary rate limits.
func delayFromHeaders(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if seconds, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Duration(seconds) * time.Second, true
		}
		if at, err := http.ParseTime(v); err == nil {
			return at.Sub(now), true
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if epoch, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Unix(epoch, 0).Sub(now), true
		}
	}
	return 0, false
}

// errorResponse returns the HTTP response behind a go-github error.
func errorResponse(err error) *http.Response {
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
