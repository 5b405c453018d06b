package githubapp

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// findingsMix returns 130 findings with a location, plus findings that are
// not annotated: 4 without a path, 3 suppressed and 2 of kind "pass".
func findingsMix() []testFinding {
	findings := locatedFindings(130)
	for i := range 4 {
		findings = append(findings, testFinding{PatternID: "repo-wide", Severity: "warning",
			Message: "no LICENSE file\nat the root", StartLine: i})
	}
	for range 3 {
		findings = append(findings, testFinding{PatternID: "muted", Path: "a.go", StartLine: 3,
			Severity: "error", Message: "suppressed", Suppressed: true})
	}
	for range 2 {
		findings = append(findings, testFinding{PatternID: "info", Path: "b.go", Severity: "note",
			Message: "passed", Kind: "pass"})
	}
	return findings
}

func TestPullRequestCheckRunLifecycle(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()

	res := e.deliver("pull_request", e.pullRequestPayload("opened", sha), uuid.NewString())
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 1, e.drain())
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, CheckRunName, runs[0].Name)
	assert.Equal(t, "queued", runs[0].Status)

	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	run, _ := e.fake.CheckRun(runs[0].ID)
	assert.Equal(t, "in_progress", run.Status)
	assert.Equal(t, runID.String(), run.ExternalID)
	assert.Equal(t, testPublicURL+"/runs/"+runID.String(), run.DetailsURL)

	finalAt := e.finishRun(runID, conclusionFailure, findingsMix())
	updatesBefore := len(e.fake.CallsTo(fakegithub.RouteUpdateCheckRun))
	require.NoError(t, e.handle(completedMessage(runID, finalAt)))

	runs = e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1, "one check run for the commit")
	run = runs[0]
	assert.Equal(t, "completed", run.Status)
	assert.Equal(t, conclusionFailure, run.Conclusion)
	assert.Len(t, run.Annotations, 130)
	assert.Equal(t, 3, len(e.fake.CallsTo(fakegithub.RouteUpdateCheckRun))-updatesBefore, "annotation requests")
	assert.Equal(t, runID.String(), run.ExternalID)
	assert.Equal(t, testPublicURL+"/runs/"+runID.String(), run.DetailsURL)
	require.Len(t, run.Actions, 1)
	assert.Equal(t, rerunActionID, run.Actions[0].Identifier)
	assert.Equal(t, "Re-run", run.Actions[0].Label)

	assert.Equal(t, "44 blocking findings", run.Output.Title)
	assert.Contains(t, run.Output.Summary, "**44 of 139 findings are at or above `error`**")
	assert.Contains(t, run.Output.Summary, "130 shown as annotations, 4 without a file location.")
	assert.Contains(t, run.Output.Summary, "`repo-wide`: no LICENSE file at the root")
	assert.Contains(t, run.Output.Summary, "Scanned 42 files.")
	assert.LessOrEqual(t, len(run.Output.Summary), maxSummaryBytes)

	levels := map[string]int{}
	for _, a := range run.Annotations {
		levels[a.Level]++
		assert.True(t, strings.HasPrefix(a.Path, "src/file"), a.Path)
	}
	assert.Equal(t, map[string]int{"failure": 44, "warning": 43, "notice": 43}, levels)
	first := run.Annotations[0]
	assert.Equal(t, fakegithub.Annotation{
		Path: "src/file000.go", StartLine: 1, EndLine: 3, Level: "failure",
		Title: "rule-0", Message: "finding 0",
	}, first)

	rows := e.checkRows(sha)
	require.Len(t, rows, 1)
	assert.Equal(t, checkCompleted, rows[0].Status)
	assert.Equal(t, 3, rows[0].BatchesSent)
	assert.True(t, rows[0].Current)
	assert.Equal(t, uint64(1), e.histogramCount(MetricCheckPublishLatency))
	assert.Equal(t, 1.0, testutil.ToFloat64(e.app.checks.metrics.checksCompleted.WithLabelValues(conclusionFailure, modeCheckRun)))

	installation := strconv.FormatInt(e.tenant.InstallationID, 10)
	api := e.app.checks.metrics.apiRequests
	assert.Equal(t, 7.0, testutil.ToFloat64(api.WithLabelValues("2xx", installation)),
		"token, the look for an orphaned run, create, in_progress and three batches, counted under the installation")
	assert.Zero(t, testutil.ToFloat64(api.WithLabelValues("2xx", installationLabelApp)),
		"none made as the App")
	assert.Greater(t, testutil.ToFloat64(e.app.checks.metrics.rateLimitRemaining.WithLabelValues(installation)), 4000.0)

	// The scanner API's message is delivered at least once: a second copy
	// changes nothing.
	calls := len(e.fake.Calls())
	require.NoError(t, e.handle(completedMessage(runID, finalAt)))
	run, _ = e.fake.CheckRun(run.ID)
	assert.Len(t, run.Annotations, 130)
	assert.Equal(t, calls, len(e.fake.Calls()), "no GitHub call for a duplicate message")
}

func TestRedeliveredPullRequestAddsNoCheckRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	deliveryID := uuid.NewString()
	e.deliver("pull_request", e.pullRequestPayload("opened", sha), deliveryID)
	e.deliver("pull_request", e.pullRequestPayload("opened", sha), deliveryID)
	e.deliver("pull_request", e.pullRequestPayload("synchronize", sha), uuid.NewString())
	e.deliver("check_suite", e.checkSuitePayload("requested", sha), uuid.NewString())
	require.Equal(t, 3, e.drain())
	assert.Len(t, e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha), 1)
	assert.Len(t, e.checkRows(sha), 1)
}

func TestCheckSuiteRerequestedAddsOneCurrentRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	e.deliver("pull_request", e.pullRequestPayload("opened", sha), uuid.NewString())
	e.drain()
	first := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(first)))
	at := e.finishRun(first, conclusionSuccess, locatedFindings(3)[2:])
	require.NoError(t, e.handle(completedMessage(first, at)))

	// A later scanner run of the same commit finished with other results;
	// its completion message is not handled yet.
	latest := e.registerRun(sha)
	e.finishRun(latest, conclusionFailure, locatedFindings(60))

	rerequest := e.checkSuitePayload("rerequested", sha)
	deliveryID := uuid.NewString()
	e.deliver("check_suite", rerequest, deliveryID)
	e.deliver("check_suite", rerequest, deliveryID)
	msgs := e.takeMessages()
	require.Len(t, msgs, 1)
	// The queue may hand the message out twice.
	require.NoError(t, e.app.Checks().HandleMessage(e.ctx, msgs[0].Body))
	require.NoError(t, e.app.Checks().HandleMessage(e.ctx, msgs[0].Body))

	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 2, "the rerequest adds exactly one check run")
	assert.Equal(t, conclusionSuccess, runs[0].Conclusion)
	assert.Equal(t, first.String(), runs[0].ExternalID)
	assert.Equal(t, "completed", runs[1].Status)
	assert.Equal(t, conclusionFailure, runs[1].Conclusion, "completed from the latest results")
	assert.Equal(t, latest.String(), runs[1].ExternalID)
	assert.Len(t, runs[1].Annotations, 60)

	rows := e.checkRows(sha)
	require.Len(t, rows, 2)
	assert.False(t, rows[0].Current)
	assert.True(t, rows[1].Current)
	assert.Equal(t, "rerequest:"+deliveryID, rows[1].Trigger)
	assert.Equal(t, runs[1].ID, *rows[1].GitHubID)

	// The late completion message of the latest run finds its results
	// published already.
	require.NoError(t, e.handle(completedMessage(latest, time.Now())))
	assert.Len(t, e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha), 2)
}

func TestCheckRunRerunActionAddsRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	at := e.finishRun(runID, conclusionSuccess, nil)
	require.NoError(t, e.handle(completedMessage(runID, at)))
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "No findings", runs[0].Output.Title)

	for _, action := range []string{"requested_action", "rerequested"} {
		payload := e.payload("check_run/requested_action.json", func(p map[string]any) {
			e.patchRepository(p)
			p["action"] = action
			cr := p["check_run"].(map[string]any)
			cr["name"] = CheckRunName
			cr["head_sha"] = sha
			cr["app"] = map[string]any{"id": testAppID}
			p["requested_action"] = map[string]any{"identifier": rerunActionID}
		})
		require.Equal(t, http.StatusOK, e.deliver("check_run", payload, uuid.NewString()).StatusCode)
	}
	require.Equal(t, 2, e.drain())
	runs = e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 3)
	for _, run := range runs {
		assert.Equal(t, conclusionSuccess, run.Conclusion)
	}

	// Another App's check run and another button are ignored.
	other := e.payload("check_run/requested_action.json", func(p map[string]any) {
		e.patchRepository(p)
		p["check_run"].(map[string]any)["head_sha"] = sha
	})
	require.Equal(t, http.StatusOK, e.deliver("check_run", other, uuid.NewString()).StatusCode)
	assert.Zero(t, e.drain())
}

func TestMergeGroupQueuesCheckRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	payload, err := json.Marshal(map[string]any{
		"action": "checks_requested",
		"merge_group": map[string]any{
			"head_sha": sha, "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-" + newSHA(),
			"base_sha": newSHA(), "base_ref": "refs/heads/main",
		},
		"repository": map[string]any{
			"id": e.tenant.Repo.ID, "name": e.tenant.Repo.Name, "full_name": e.tenant.Repo.FullName(),
			"owner": map[string]any{"login": e.tenant.Account.Login, "id": e.tenant.Account.ID},
		},
		"installation": map[string]any{"id": e.tenant.InstallationID},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, e.deliver("merge_group", payload, uuid.NewString()).StatusCode)
	require.Equal(t, 1, e.drain())
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "queued", runs[0].Status)
}

func TestRegisteredRunCreatesMissingCheckRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(runID)))
	require.NoError(t, e.handle(registeredMessage(runID)))
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "in_progress", runs[0].Status)

	// A webhook for the commit arriving after the scanner changes nothing.
	e.deliver("pull_request", e.pullRequestPayload("opened", sha), uuid.NewString())
	e.drain()
	assert.Len(t, e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha), 1)
	assert.Equal(t, "in_progress", e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)[0].Status)
}

func TestCompletedRunWithoutWebhookOrRegistration(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	at := e.finishRun(runID, conclusionSuccess, locatedFindings(2)[1:])
	require.NoError(t, e.handle(completedMessage(runID, at)))
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, conclusionSuccess, runs[0].Conclusion)
	assert.Equal(t, "1 finding, none blocking", runs[0].Output.Title)

	// The registration message arriving last leaves the run completed.
	require.NoError(t, e.handle(registeredMessage(runID)))
	assert.Equal(t, "completed", e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)[0].Status)
}

func TestNewScannerRunAfterCompletionAddsRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	first := e.registerRun(sha)
	at := e.finishRun(first, conclusionSuccess, nil)
	require.NoError(t, e.handle(completedMessage(first, at)))
	second := e.registerRun(sha)
	require.NoError(t, e.handle(registeredMessage(second)))
	at = e.finishRun(second, conclusionFailure, locatedFindings(1))
	require.NoError(t, e.handle(completedMessage(second, at)))

	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 2)
	assert.Equal(t, conclusionSuccess, runs[0].Conclusion)
	assert.Equal(t, conclusionFailure, runs[1].Conclusion)
	rows := e.checkRows(sha)
	require.Len(t, rows, 2)
	assert.Equal(t, "run:"+second.String(), rows[1].Trigger)
	assert.True(t, rows[1].Current)

	// The first run's completion delivered again does not touch the
	// newer check run.
	require.NoError(t, e.handle(completedMessage(first, at)))
	assert.Len(t, e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha), 2)
	assert.Equal(t, conclusionFailure, e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)[1].Conclusion)
}

func TestConcurrentTriggersCreateOneCheckRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sha := newSHA()
	runID := e.registerRun(sha)
	e.deliver("pull_request", e.pullRequestPayload("opened", sha), uuid.NewString())
	e.deliver("check_suite", e.checkSuitePayload("requested", sha), uuid.NewString())
	bodies := [][]byte{}
	for _, m := range e.takeMessages() {
		bodies = append(bodies, m.Body)
	}
	reg, err := json.Marshal(registeredMessage(runID))
	require.NoError(t, err)
	bodies = append(bodies, reg, reg)

	errs := make(chan error, len(bodies))
	for _, body := range bodies {
		go func() {
			// A busy commit lock returns an error; retry as the queue would.
			for {
				err := e.app.Checks().HandleMessage(e.ctx, body)
				if err == nil || !strings.Contains(err.Error(), errCommitBusy.Error()) {
					errs <- err
					return
				}
			}
		}()
	}
	for range bodies {
		require.NoError(t, <-errs)
	}
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "in_progress", runs[0].Status)
	assert.Len(t, e.checkRows(sha), 1)
}

func TestOrgWithoutInstallationMakesNoCalls(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	var orgID, repoID uuid.UUID
	require.NoError(t, e.pool.QueryRow(e.ctx, `INSERT INTO orgs (login) VALUES ($1) RETURNING id`,
		e.tenant.Account.Login).Scan(&orgID))
	require.NoError(t, e.pool.QueryRow(e.ctx, `INSERT INTO repositories (org_id, owner, name)
		VALUES ($1, $2, $3) RETURNING id`, orgID, e.tenant.Account.Login, e.tenant.Repo.Name).Scan(&repoID))
	var runID uuid.UUID
	require.NoError(t, e.pool.QueryRow(e.ctx, `INSERT INTO scanner_runs (org_id, repository_id, local_run_id, commit_sha)
		VALUES ($1, $2, 'ci-1', $3) RETURNING id`, orgID, repoID, newSHA()).Scan(&runID))
	require.NoError(t, e.handle(registeredMessage(runID)))
	require.NoError(t, e.handle(completedMessage(runID, time.Now())))
	assert.Empty(t, e.fake.Calls())
}

func TestUnknownMessagesRetried(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	assert.Error(t, e.app.Checks().HandleMessage(e.ctx, []byte(`{"type": "from_the_future"}`)))
	assert.Error(t, e.app.Checks().HandleMessage(e.ctx, []byte(`not json`)))
	assert.NoError(t, e.handle(registeredMessage(uuid.New())), "a deleted run finishes its message")
}

func (e *testEnv) checkSuitePayload(action, sha string) []byte {
	return e.payload("check_suite/"+action+".json", func(p map[string]any) {
		e.patchRepository(p)
		p["check_suite"].(map[string]any)["head_sha"] = sha
	})
}
