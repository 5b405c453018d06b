package main

import (
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
		r := runCLI(t, "healthcheck", "--url", url+"/readyz")
		if c.ok {
			require.Equal(t, 0, r.code, "status %d: %s", c.status, r.stderr)
			require.Contains(t, r.stdout, http.StatusText(c.status))
		} else {
			// A container HEALTHCHECK reads exit status 1 as unhealthy.
			require.Equal(t, 1, r.code, "status %d: %s", c.status, r.stderr)
			require.Contains(t, r.stderr, http.StatusText(c.status))
			require.Empty(t, r.stdout)
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
	r := runCLI(t, "healthcheck", "--url", url, "--timeout", "200ms")
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "deadline exceeded")
}

func TestHealthcheckConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	r := runCLI(t, "healthcheck", "--url", "http://"+addr+"/healthz")
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "health check of http://"+addr+"/healthz failed")
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
		r := runCLI(t, append([]string{"healthcheck"}, c.args...)...)
		require.Equal(t, 2, r.code, "args %v: %s", c.args, r.stderr)
		require.Contains(t, r.stderr, c.message, "args %v", c.args)
	}
}
