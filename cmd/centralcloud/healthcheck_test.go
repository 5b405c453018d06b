package main

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func healthServer(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHealthcheckStatuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		ok     bool
	}{
		{http.StatusOK, true},
		{http.StatusNoContent, true},
		{http.StatusServiceUnavailable, false},
		{http.StatusInternalServerError, false},
		{http.StatusNotFound, false},
		{http.StatusFound, false},
	}
	for _, c := range cases {
		var requests []string
		url := healthServer(t, func(w http.ResponseWriter, r *http.Request) {
			requests = append(requests, r.Method+" "+r.URL.Path)
			if c.status == http.StatusFound {
				w.Header().Set("Location", "/healthz")
			}
			w.WriteHeader(c.status)
		})
		stdout, _, err := runWithBuffers(t, "healthcheck", "--url", url+"/readyz")
		if c.ok {
			require.NoError(t, err, "status %d", c.status)
			require.Contains(t, stdout, http.StatusText(c.status))
		} else {
			require.Error(t, err, "status %d", c.status)
			require.Contains(t, err.Error(), http.StatusText(c.status))
			var usage *usageError
			require.False(t, errors.As(err, &usage), "status %d must exit 1, not 2", c.status)
		}
		// A redirect is not followed, so every case sends exactly one request.
		require.Equal(t, []string{"GET /readyz"}, requests, "status %d", c.status)
	}
}

func TestHealthcheckTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	url := healthServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	_, _, err := runWithBuffers(t, "healthcheck", "--url", url, "--timeout", "200ms")
	require.ErrorContains(t, err, "deadline exceeded")
}

func TestHealthcheckConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, _, err = runWithBuffers(t, "healthcheck", "--url", "http://"+addr+"/healthz")
	require.ErrorContains(t, err, "health check of http://"+addr+"/healthz failed")
}

func TestHealthcheckUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args    []string
		message string
	}{
		{[]string{"--url", "127.0.0.1:8080/healthz"}, "is not an absolute http or https URL"},
		{[]string{"--url", "ftp://127.0.0.1/healthz"}, "is not an absolute http or https URL"},
		{[]string{"--timeout", "0s"}, "--timeout 0s is invalid"},
		{[]string{"--timeout", "soon"}, `invalid argument "soon"`},
	}
	for _, c := range cases {
		_, _, err := runWithBuffers(t, append([]string{"healthcheck"}, c.args...)...)
		var usage *usageError
		require.True(t, errors.As(err, &usage), "args %v: want a usage error, got %v", c.args, err)
		require.Contains(t, err.Error(), c.message, "args %v", c.args)
	}
}

// TestExecuteHealthcheckExitStatus checks the exit status that a container
// HEALTHCHECK sees.
func TestExecuteHealthcheckExitStatus(t *testing.T) {
	healthy := healthServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	unhealthy := healthServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})

	code, stdout, _ := executeCaptured(t, "healthcheck", "--url", healthy+"/healthz")
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "200 OK")

	code, _, stderr := executeCaptured(t, "healthcheck", "--url", unhealthy+"/healthz")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "503 Service Unavailable")
}
