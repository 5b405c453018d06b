package fakegithub_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

func TestSecondaryRateLimitFault(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)
	e.server.InjectFault(fakegithub.SecondaryRateLimit(fakegithub.RouteUpdateCheckRun, 1, 2*time.Second))
	update := github.UpdateCheckRunOptions{Name: "CentralCloud", Output: output(annotations(5, "warning"))}

	_, resp, err := client.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), update)
	var abuse *github.AbuseRateLimitError
	require.ErrorAs(t, err, &abuse)
	require.NotNil(t, abuse.RetryAfter)
	require.Equal(t, 2*time.Second, *abuse.RetryAfter)
	require.Contains(t, abuse.Message, "You have exceeded a secondary rate limit")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "2", resp.Header.Get("Retry-After"))

	// go-github now refuses requests of that client until Retry-After has
	// passed, so the retry goes through a second client.
	retry := newCreator(t, e.server, appKey())
	retryClient, err := retry.NewInstallationClient(installationAcme)
	require.NoError(t, err)
	_, _, err = retryClient.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), update)
	require.NoError(t, err)
	stored, _ := e.server.CheckRun(run.GetID())
	require.Len(t, stored.Annotations, 5, "the rejected batch is not stored")
}

func TestPrimaryRateLimitFault(t *testing.T) {
	t.Parallel()
	e := setup(t)
	client := e.installationClient(t, installationAcme)
	e.server.InjectFault(fakegithub.PrimaryRateLimit(fakegithub.RouteListInstallationRepos, 1, time.Minute))

	_, _, err := client.Apps.ListRepos(testContext(t), nil)
	var limit *github.RateLimitError
	require.ErrorAs(t, err, &limit)
	require.Zero(t, limit.Rate.Remaining)
	require.WithinDuration(t, time.Now().Add(time.Minute), limit.Rate.Reset.Time, 2*time.Second)
	require.Equal(t, "API rate limit exceeded for installation ID 100.", limit.Message)
}

func TestRateLimitFaultAs429(t *testing.T) {
	t.Parallel()
	e := setup(t)
	client := e.installationClient(t, installationAcme)
	fault := fakegithub.SecondaryRateLimit(fakegithub.RouteCreateCheckRun, 1, 3*time.Second)
	fault.Status = http.StatusTooManyRequests
	e.server.InjectFault(fault)

	_, resp, err := client.Checks.CreateCheckRun(testContext(t), "acme", "app", github.CreateCheckRunOptions{
		Name: "CentralCloud", HeadSHA: headSHA,
	})
	requireErrorResponse(t, err, http.StatusTooManyRequests,
		"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "+
			"If you reach out to GitHub Support for help, please include the request ID "+
			resp.Header.Get("X-GitHub-Request-Id")+".")
	require.Equal(t, "3", resp.Header.Get("Retry-After"))
}

func TestServerErrorFaultCount(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	e.server.InjectFault(fakegithub.ServerError(fakegithub.RouteCreateCheckRun, 2, http.StatusServiceUnavailable))
	options := github.CreateCheckRunOptions{Name: "CentralCloud", HeadSHA: headSHA}

	for range 2 {
		_, _, err := client.Checks.CreateCheckRun(ctx, "acme", "app", options)
		requireErrorResponse(t, err, http.StatusServiceUnavailable, "Service Unavailable")
	}
	_, _, err := client.Checks.CreateCheckRun(ctx, "acme", "app", options)
	require.NoError(t, err)

	var statuses []int
	for _, call := range e.server.CallsTo(fakegithub.RouteCreateCheckRun) {
		statuses = append(statuses, call.Status)
	}
	require.Equal(t, []int{503, 503, 201}, statuses)
	require.Len(t, e.server.AllCheckRuns(), 1)
}

func TestFaultOnEveryRouteUntilCleared(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	token, err := e.server.IssueToken(installationAcme)
	require.NoError(t, err)
	client := clientWithCredential(t, e.server, token)
	e.server.InjectFault(fakegithub.Fault{Kind: fakegithub.FaultServerError})

	for range 3 {
		_, _, err = client.Apps.ListRepos(ctx, nil)
		requireErrorResponse(t, err, http.StatusBadGateway, "Bad Gateway")
	}
	e.server.ClearFaults()
	_, _, err = client.Apps.ListRepos(ctx, nil)
	require.NoError(t, err)
}

func TestLatencyFault(t *testing.T) {
	t.Parallel()
	e := setup(t)
	token, err := e.server.IssueToken(installationAcme)
	require.NoError(t, err)
	client := clientWithCredential(t, e.server, token)
	e.server.InjectFault(fakegithub.Latency(fakegithub.RouteListInstallationRepos, 1, 10*time.Second))

	ctx, cancel := context.WithTimeout(testContext(t), 100*time.Millisecond)
	defer cancel()
	_, _, err = client.Apps.ListRepos(ctx, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	_, _, err = client.Apps.ListRepos(testContext(t), nil)
	require.NoError(t, err)
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *fakegithub.Options) { o.RateLimit = 3 })
	token, err := e.server.IssueToken(installationGlobex)
	require.NoError(t, err)
	client := clientWithCredential(t, e.server, token)
	ctx := testContext(t)

	for want := 2; want >= 0; want-- {
		_, resp, err := client.Apps.ListRepos(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, 3, resp.Rate.Limit)
		require.Equal(t, want, resp.Rate.Remaining)
		require.Equal(t, strconv.Itoa(3-want), resp.Header.Get("X-RateLimit-Used"))
		require.NotEmpty(t, resp.Header.Get("X-GitHub-Request-Id"))
	}

	_, _, err = clientWithCredential(t, e.server, token).Apps.ListRepos(ctx, nil)
	var limit *github.RateLimitError
	require.ErrorAs(t, err, &limit)
	require.Equal(t, "API rate limit exceeded for installation ID 200.", limit.Message)
}
