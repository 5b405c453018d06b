package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

func serve(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/", Options{Token: "cct_x"})
	require.NoError(t, err)
	return c
}

func TestNewRejectsInvalidBaseURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", "centralcloud.example.com", "ftp://host", "http://"} {
		_, err := New(base, Options{})
		require.ErrorContains(t, err, "invalid base URL", base)
	}
	_, err := New("https://host", Options{Suite: "hpke-p256"})
	require.ErrorIs(t, err, wire.ErrUnknownSuite)
}

func TestFetchSendsHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	var path string
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got, path = r.Header.Clone(), r.URL.Path
		w.WriteHeader(http.StatusUnauthorized)
	})
	_, _, err := c.Fetch(context.Background())
	var status *StatusError
	require.True(t, errors.As(err, &status))
	require.Equal(t, http.StatusUnauthorized, status.StatusCode)
	require.Equal(t, SnapshotPath, path)
	require.Equal(t, "Bearer cct_x", got.Get("Authorization"))
	require.Equal(t, c.ClientKey(), got.Get(wire.HeaderClientKey))
	require.Empty(t, got.Get("If-None-Match"), "no snapshot yet, no condition")
}

func TestFetchReportsProblemDetails(t *testing.T) {
	t.Parallel()
	c := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"type":"t","title":"Bad Request","status":400,"detail":"X-Client-Key is missing","field":"X-Client-Key"}`))
	})
	_, _, err := c.Fetch(context.Background())
	var status *StatusError
	require.True(t, errors.As(err, &status))
	require.Equal(t, "X-Client-Key", status.Problem.Field)
	require.ErrorContains(t, err, "X-Client-Key is missing")
}

func TestFetchRejectsUnexpectedNotModified(t *testing.T) {
	t.Parallel()
	c := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	})
	_, _, err := c.Fetch(context.Background())
	require.ErrorIs(t, err, ErrInvalidSnapshot)
}

func TestFetchRejectsBadETagHeader(t *testing.T) {
	t.Parallel()
	digest := strings.Repeat("ab", 32)
	for _, tag := range []string{"", digest, `W/"` + digest + `"`, `"short"`} {
		c := serve(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("ETag", tag)
			_, _ = w.Write([]byte("body"))
		})
		_, _, err := c.Fetch(context.Background())
		require.ErrorIs(t, err, ErrInvalidSnapshot, "ETag %q", tag)
		require.Nil(t, c.Last())
	}
}

func TestAcceptRejectsInvalidInline(t *testing.T) {
	t.Parallel()
	c, err := New("https://host", Options{Suite: wire.SuiteMLKEM768X25519})
	require.NoError(t, err)
	_, err = c.Accept(wire.Inline{ETag: "nothex", Suite: wire.SuiteMLKEM768X25519})
	require.ErrorIs(t, err, ErrInvalidSnapshot)
	_, err = c.Accept(wire.Inline{ETag: strings.Repeat("0", 64), Suite: wire.SuiteX25519, SealedKey: make([]byte, 80)})
	require.ErrorIs(t, err, ErrInvalidSnapshot, "a key sealed for another suite is rejected")
	require.Equal(t, "", c.ETag())
}
