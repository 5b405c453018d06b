package client

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Problem is an RFC 9457 problem details body, as the API sends with every
// error status.
type Problem struct {
	// Type is a URI that identifies the kind of problem.
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	// Detail describes what was wrong with this request and how to fix it.
	Detail string `json:"detail"`
	// Field is the JSON path of the offending request field, if one applies.
	Field string `json:"field,omitempty"`
}

// APIError is a response with an error status.
type APIError struct {
	// Method and Path name the request, such as "POST /scanner/events".
	Method string
	Path   string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Problem is the decoded problem body; empty when the body was not
	// application/problem+json.
	Problem Problem
	// RequestID is the response's X-Request-ID, for the server's logs.
	RequestID string
	// RetryAfter is the delay from the Retry-After header, or zero.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Problem.Detail != "" {
		b.WriteString(": " + e.Problem.Detail)
	}
	if e.Problem.Field != "" {
		fmt.Fprintf(&b, " (field %s)", e.Problem.Field)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Retryable reports whether the same request may succeed later: rate
// limited (429) or the server or a proxy was unavailable (502, 503, 504).
func (e *APIError) Retryable() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxProblemBytes bounds how much of an error body is read.
const maxProblemBytes = 64 << 10

// newAPIError builds the error for resp, reading its problem body.
func newAPIError(method, path string, resp *http.Response, now time.Time) *APIError {
	e := &APIError{
		Method:     method,
		Path:       path,
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("X-Request-ID"),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProblemBytes))
	if err == nil && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		_ = json.Unmarshal(body, &e.Problem)
	}
	return e
}

// parseRetryAfter reads a Retry-After value (RFC 9110, section 10.2.3):
// delay seconds or an HTTP date. Anything else is zero.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		// A day is far beyond any wait a client honours; the cap keeps the
		// multiplication from overflowing.
		seconds = min(max(seconds, 0), 24*60*60)
		return time.Duration(seconds) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}
