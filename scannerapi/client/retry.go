package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/url"
	"time"

	snapclient "github.com/centralcloud/centralcloud/snapshots/client"
)

// RetryPolicy sets how often and how long a failed request is retried.
// Zero fields take the defaults below.
type RetryPolicy struct {
	// MaxAttempts counts the first try. Default 5; 1 disables retries.
	MaxAttempts int
	// InitialBackoff is the wait before the second attempt, doubled for
	// each further one. Default 500ms.
	InitialBackoff time.Duration
	// MaxBackoff caps the exponential wait. Default 30s.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for; a
	// longer one ends the retries with the error, so a CI job does not
	// hang. Default 2m.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = 500 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 30 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 2 * time.Minute
	}
	return p
}

// backoff returns the wait after the given failed attempt (1 for the first):
// half the exponential delay plus a random part of up to the other half, so
// clients that failed together do not retry together.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	delay := p.MaxBackoff
	if shift := attempt - 1; shift < 30 {
		delay = min(p.InitialBackoff<<shift, p.MaxBackoff)
	}
	half := delay / 2
	return half + rand.N(half+1)
}

// wait returns how long to wait before retrying after err, and false when
// err is final: not retryable, the attempts are used up, or the server
// asked for a longer pause than MaxRetryAfter.
func (p RetryPolicy) wait(attempt int, err error) (time.Duration, bool) {
	if attempt >= p.MaxAttempts || !retryable(err) {
		return 0, false
	}
	delay := p.backoff(attempt)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		if apiErr.RetryAfter > p.MaxRetryAfter {
			return 0, false
		}
		delay = max(delay, apiErr.RetryAfter)
	}
	return delay, true
}

// retryable reports whether err may go away on its own: a retryable status,
// or a network error (which excludes a cancelled or expired context).
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Retryable()
	}
	var snapshotErr *snapclient.StatusError
	if errors.As(err, &snapshotErr) {
		return (&APIError{StatusCode: snapshotErr.StatusCode}).Retryable()
	}
	var netErr *networkError
	var urlErr *url.Error
	return errors.As(err, &netErr) || errors.As(err, &urlErr)
}

// networkError is a request that failed in transit: no response, or a
// response whose body could not be read.
type networkError struct{ err error }

func (e *networkError) Error() string { return e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
