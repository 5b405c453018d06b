package githubapp

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
)

func errorWith(status int, message string, header http.Header) error {
	return &github.ErrorResponse{
		Response: &http.Response{StatusCode: status, Header: header, Request: &http.Request{Method: "PATCH"}},
		Message:  message,
	}
}

func TestClassifyGitHubError(t *testing.T) {
	t.Parallel()
	reset := strconv.FormatInt(time.Now().Add(90*time.Second).Unix(), 10)
	cases := []struct {
		name  string
		err   error
		delay time.Duration // 0: no RetryAfterError
	}{
		{"secondary with Retry-After", errorWith(403, "You have exceeded a secondary rate limit", http.Header{"Retry-After": {"30"}}), 30 * time.Second},
		{"429 with Retry-After", errorWith(429, "", http.Header{"Retry-After": {"7"}}), 7 * time.Second},
		{"exhausted primary", errorWith(429, "", http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}}), 90 * time.Second},
		{"secondary without headers", errorWith(403, "You have exceeded a secondary rate limit.", http.Header{}), time.Minute},
		{"permission denied", errorWith(403, resourceNotAccessible, http.Header{"X-Ratelimit-Remaining": {"4999"}, "X-Ratelimit-Reset": {reset}}), 0},
		{"5xx", errorWith(502, "Server Error", http.Header{"X-Ratelimit-Remaining": {"4999"}, "X-Ratelimit-Reset": {reset}}), 0},
		{"5xx with Retry-After", errorWith(503, "", http.Header{"Retry-After": {"3"}}), 3 * time.Second},
		{"422", errorWith(422, "Validation Failed", http.Header{}), 0},
		{"abuse error", &github.AbuseRateLimitError{RetryAfter: ptr(4 * time.Second)}, 4 * time.Second},
		{"abuse error without delay", &github.AbuseRateLimitError{}, time.Minute},
		{"capped", errorWith(403, "", http.Header{"Retry-After": {"86400"}}), time.Hour},
		{"raised to a second", errorWith(403, "", http.Header{"Retry-After": {"0"}}), time.Second},
		{"plain", errors.New("connection refused"), 0},
	}
	for _, c := range cases {
		err := classifyGitHubError(fmt.Errorf("update check run: %w", c.err))
		var retry RetryAfterError
		if c.delay == 0 {
			assert.False(t, errors.As(err, &retry), c.name)
			continue
		}
		if assert.True(t, errors.As(err, &retry), c.name) {
			assert.InDelta(t, c.delay, retry.RetryAfter(), float64(2*time.Second), c.name)
		}
		assert.ErrorIs(t, err, c.err, c.name)
	}
	assert.NoError(t, classifyGitHubError(nil))
}

func TestNotAccessibleMarked(t *testing.T) {
	t.Parallel()
	err := markNotAccessible(errorWith(403, resourceNotAccessible, http.Header{}))
	assert.ErrorIs(t, err, errNotAccessible)
	other := markNotAccessible(errorWith(403, "Forbidden", http.Header{}))
	assert.NotErrorIs(t, other, errNotAccessible)
}
