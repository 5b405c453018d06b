package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/scannerapi/client"
)

func TestRetryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, runReply,
		problemReply(http.StatusTooManyRequests, "slow down", "", "Retry-After", "1"))
	c := srv.client(client.Options{})

	run, err := c.RegisterRun(context.Background(), runRequest)
	require.NoError(t, err)
	require.True(t, run.Created)

	requests := srv.recorded()
	require.Len(t, requests, 2)
	gap := requests[1].received.Sub(requests[0].received)
	require.GreaterOrEqual(t, gap, time.Second, "the retry came before Retry-After elapsed")
}

func TestRetryOnUnavailableAndNetworkErrors(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, runReply,
		problemReply(http.StatusServiceUnavailable, "the database is unreachable: retry later", ""),
		nil, // the connection drops without a response
		problemReply(http.StatusBadGateway, "", ""),
	)
	c := srv.client(client.Options{})

	run, err := c.RegisterRun(context.Background(), runRequest)
	require.NoError(t, err)
	require.Equal(t, "01a241c7-93d9-738a-b002-e66dc095cbd7", run.ServerRunID)
	require.Len(t, srv.recorded(), 4)
}

func TestConflictIsNotRetried(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, runReply,
		problemReply(http.StatusConflict, "local_run_id \"ci-1\" is already registered for commit 89ab", "local_run_id"))
	c := srv.client(client.Options{})

	_, err := c.RegisterRun(context.Background(), runRequest)
	var apiErr *client.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, http.StatusConflict, apiErr.StatusCode)
	require.Equal(t, "local_run_id", apiErr.Problem.Field)
	require.Contains(t, apiErr.Problem.Detail, "already registered")
	require.Equal(t, "req-1", apiErr.RequestID)
	require.False(t, apiErr.Retryable())
	require.Contains(t, err.Error(), "POST /scanner/runs: 409 Conflict")
	require.Len(t, srv.recorded(), 1)
}

func TestRetriesStopAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, problemReply(http.StatusServiceUnavailable, "down", ""))
	c := srv.client(client.Options{Retry: client.RetryPolicy{MaxAttempts: 3}})

	_, err := c.RegisterRun(context.Background(), runRequest)
	var apiErr *client.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	require.Len(t, srv.recorded(), 3)
}

func TestRetryAfterBeyondMaximumFails(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, runReply,
		problemReply(http.StatusTooManyRequests, "slow down", "", "Retry-After", "3600"))
	c := srv.client(client.Options{Retry: client.RetryPolicy{MaxRetryAfter: time.Minute}})

	_, err := c.RegisterRun(context.Background(), runRequest)
	var apiErr *client.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, time.Hour, apiErr.RetryAfter)
	require.Len(t, srv.recorded(), 1)
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, problemReply(http.StatusServiceUnavailable, "down", "", "Retry-After", "60"))
	c := srv.client(client.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()

	_, err := c.RegisterRun(ctx, runRequest)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "error: %v", err)
	require.Len(t, srv.recorded(), 1)
}

func TestLargeBodiesAreGzipped(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, eventReply)
	c := srv.client(client.Options{})
	small := client.NativeResults{Findings: []client.Finding{{PatternID: "p", Severity: "note", Message: "m"}}}
	large := client.NativeResults{}
	for range 100 {
		large.Findings = append(large.Findings, client.Finding{PatternID: "p", Severity: "note", Message: "m"})
	}

	_, err := c.Upload(context.Background(), "run-1", client.Results{Native: &small})
	require.NoError(t, err)
	_, err = c.Upload(context.Background(), "run-2", client.Results{Native: &large})
	require.NoError(t, err)

	requests := srv.recorded()
	require.Len(t, requests, 2)
	require.False(t, requests[0].gzipped)
	require.True(t, requests[1].gzipped)
	require.Equal(t, "Bearer cct_test", requests[1].header.Get("Authorization"))
	require.Equal(t, "application/json", requests[1].header.Get("Content-Type"))
}
