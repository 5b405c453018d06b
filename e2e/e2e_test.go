package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
	"github.com/centralcloud/centralcloud/internal/fixtures"
)

// serviceTuning shortens the service's timers, so that a killed worker's
// messages come back and a failed check is retried within seconds, and
// processes stop quickly when the test ends.
var serviceTuning = []string{
	"CENTRALCLOUD_QUEUE_VISIBILITY_TIMEOUT=3s",
	"CENTRALCLOUD_QUEUE_RETRY_BASE_DELAY=1s",
	"CENTRALCLOUD_QUEUE_RETRY_MAX_DELAY=5s",
	"CENTRALCLOUD_QUEUE_POLL_WAIT=1s",
	"CENTRALCLOUD_QUEUE_SHUTDOWN_GRACE=2s",
	"CENTRALCLOUD_HTTP_SHUTDOWN_TIMEOUT=2s",
}

// Commits of the scenario. The pull request's head and base come from the
// recorded pull_request.opened payload. The base commit stands for a push
// build on the default branch, which no webhook announces.
const (
	prHeadCommit = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	pushCommit   = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
	prNumber     = 2
	repoName     = "Hello-World"
)

// scenario is the state that the steps pass on to each other.
type scenario struct {
	narrator
	c                 *cluster
	ctx               context.Context
	stateDir          string
	installationToken string
	orgToken          string
	prRun             scanResult
	pushRun           scanResult
	patternsETag      string
}

// TestEndToEnd installs the App, opens a pull request, runs scanners in
// CI against two replicas and checks what GitHub shows, through the real
// binaries. Each step needs the ones before it.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the end-to-end test builds and starts the service; it is skipped with -short")
	}
	s := &scenario{narrator: narrator{start: time.Now()}, stateDir: filepath.Join(t.TempDir(), "scanner-state")}
	s.say(t, "building centralcloud and the fake GitHub")
	bins := buildBinaries(t)
	// The scenario, without the build, must finish within two minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.ctx = ctx
	s.say(t, "starting the fake GitHub, 2 serve replicas and 2 workers on one database")
	s.c = startCluster(t, ctx, bins)

	for _, srv := range s.c.servers {
		s.say(t, "%s ready at %s", srv.proc.name, srv.url)
	}
	s.say(t, "fake GitHub API at %s", s.c.fake.apiURL)

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"1_install_and_open_pull_request", s.installAndOpenPullRequest},
		{"2_queued_check_run", s.queuedCheckRun},
		{"3_scan_with_both_tokens", s.scanWithBothTokens},
		{"4_check_runs_completed", s.checkRunsCompleted},
		{"5_patterns_published", s.patternsPublished},
		{"6_policies_off", s.policiesOff},
		{"7_worker_killed", s.workerKilled},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			t.Fatalf("step %s failed; the later steps depend on it", step.name)
		}
	}
}

// installAndOpenPullRequest delivers the recorded installation and pull
// request payloads to alternating replicas.
func (s *scenario) installAndOpenPullRequest(t *testing.T) {
	c := s.c
	deliveries := []struct{ event, file string }{
		{"installation", "webhooks/installation/created.json"},
		{"installation_repositories", "webhooks/installation_repositories/added.json"},
		{"pull_request", "webhooks/pull_request/opened.json"},
	}
	for i, d := range deliveries {
		payload := fixtures.Read(t, "github", d.file)
		if d.event == "pull_request" {
			payload = withInstallation(t, payload, installationID)
		}
		target := c.servers[i%len(c.servers)]
		s.say(t, "GitHub delivers %s (%s) to %s", d.event, filepath.Base(d.file), target.proc.name)
		require.Equal(t, http.StatusOK, c.deliver(target, d.event, payload), d.file)
	}

	var login string
	var repos int
	err := c.pool.QueryRow(s.ctx, `
		SELECT o.login, (SELECT count(*) FROM repositories r WHERE r.org_id = o.id AND r.removed_at IS NULL)
		FROM installations i JOIN orgs o ON o.id = i.org_id
		WHERE i.github_installation_id = $1 AND i.status = 'active'`, installationID).Scan(&login, &repos)
	require.NoError(t, err, "the installation.created delivery creates the tenant")
	require.Equal(t, accountLogin, login)
	require.Equal(t, 2, repos, "Hello-World from installation.created and Space from installation_repositories.added")
	s.say(t, "tenant %s created with %d repositories", login, repos)
}

// queuedCheckRun waits for the pull request's Check Run, created by the
// checks worker from the pull_request delivery.
func (s *scenario) queuedCheckRun(t *testing.T) {
	var runs []fakegithub.CheckRun
	s.c.eventually(t, 20*time.Second, "a check run on the pull request's head commit", func() (bool, string) {
		runs = s.c.fake.checkRuns(repoName, prHeadCommit)
		return len(runs) > 0, fmt.Sprintf("%d check runs", len(runs))
	})
	require.Len(t, runs, 1)
	require.Equal(t, "CentralCloud", runs[0].Name)
	require.Equal(t, "queued", runs[0].Status)
	require.Equal(t, int64(installationID), runs[0].InstallationID)
	s.say(t, "pull request #%d shows check run %d %q: %s", prNumber, runs[0].ID, runs[0].Name, runs[0].Status)
}

// scanWithBothTokens runs the scanner on the pull request with an
// installation token, and on a push build with an org token.
func (s *scenario) scanWithBothTokens(t *testing.T) {
	c := s.c
	s.installationToken = c.fake.issueToken(installationID)
	require.True(t, strings.HasPrefix(s.installationToken, "ghs_"))
	s.say(t, "CI scans the pull request with an installation token: checkov (127 results) and plugin-verifier (36 without location)")
	s.prRun = c.scan(c.servers[0], s.installationToken, repoName, prHeadCommit,
		"--pull-request", strconv.Itoa(prNumber), "--ref", "refs/pull/2/head", "--state-dir", s.stateDir,
		"--sarif", fixtures.Path(t, "sarif", "checkov-terraform-127-results.sarif.json"),
		"--sarif", fixtures.Path(t, "sarif", "plugin-verifier-empty-locations.sarif.json"))
	requireScan(t, s.prRun, scanBlocked)
	s.show(t, s.prRun)
	s.say(t, "centralcloud scan exited 1: the run is blocked, so CI fails")
	require.Equal(t, "created", s.prRun.out["run"])
	require.Equal(t, "failure", s.prRun.out["conclusion"])
	require.Equal(t, "162", s.prRun.out["blocking_count"], "127 checkov errors and 35 plugin-verifier errors")
	require.Equal(t, "163 sent, 163 stored", s.prRun.out["findings"])
	require.Equal(t, "true", s.prRun.out["patterns_changed"])
	s.patternsETag = s.prRun.out["patterns_etag"]
	require.Len(t, s.patternsETag, 64)

	s.orgToken = strings.TrimSpace(c.mustCLI("tokens", "create", "--org", accountLogin, "--name", "e2e-ci"))
	require.True(t, strings.HasPrefix(s.orgToken, "cct_"))
	s.say(t, "CI scans a push build on master with an org token: cppcheck (188 results without a level)")
	s.pushRun = c.scan(c.servers[1], s.orgToken, repoName, pushCommit, "--ref", "refs/heads/master",
		"--sarif", fixtures.Path(t, "sarif", "cppcheck-188-results-no-level.sarif.json"))
	requireScan(t, s.pushRun, scanPassed)
	s.show(t, s.pushRun)
	s.say(t, "centralcloud scan exited 0: nothing blocks")
	require.Equal(t, "success", s.pushRun.out["conclusion"], "results without a level are warnings")
	require.Equal(t, "0", s.pushRun.out["blocking_count"])
	require.NotEqual(t, s.prRun.out["server_run_id"], s.pushRun.out["server_run_id"])
}

// checkRunsCompleted checks what the pull request and the push build show
// on GitHub.
func (s *scenario) checkRunsCompleted(t *testing.T) {
	c := s.c
	pr := c.waitCompleted(t, repoName, prHeadCommit)
	require.Equal(t, "failure", pr.Conclusion)
	require.Equal(t, s.prRun.out["server_run_id"], pr.ExternalID)
	require.Len(t, pr.Annotations, 127, "every checkov result has a location; no plugin-verifier result has one")
	for _, a := range pr.Annotations {
		require.NotEmpty(t, a.Path)
		require.Positive(t, a.StartLine)
		require.Equal(t, "failure", a.Level, "error findings annotate at failure level")
	}
	require.Contains(t, pr.Output.Summary, "163", "the summary counts every finding")
	require.Contains(t, pr.Output.Summary, "36", "the summary counts the findings without a location")
	require.Equal(t, []int{50, 50, 27}, c.annotationBatches(t, pr), "annotations go in batches of at most 50")
	s.say(t, "pull request check run: %s, %s, %d annotations sent in batches of 50, 50, 27; title %q",
		pr.Status, pr.Conclusion, len(pr.Annotations), pr.Output.Title)

	push := c.waitCompleted(t, repoName, pushCommit)
	require.Equal(t, "success", push.Conclusion)
	require.Equal(t, s.pushRun.out["server_run_id"], push.ExternalID)
	require.Len(t, push.Annotations, 188)
	for _, a := range push.Annotations {
		require.Equal(t, "warning", a.Level)
	}
	require.Equal(t, []int{50, 50, 50, 38}, c.annotationBatches(t, push))
	s.say(t, "push build check run (created by the scanner's registration, no webhook): %s, %s, %d annotations",
		push.Status, push.Conclusion, len(push.Annotations))
}

// waitCompleted waits until the commit's check run is completed, and
// checks that it is the commit's only check run.
func (c *cluster) waitCompleted(t *testing.T, repo, sha string) fakegithub.CheckRun {
	t.Helper()
	var runs []fakegithub.CheckRun
	c.eventually(t, 30*time.Second, "a completed check run on "+sha, func() (bool, string) {
		runs = c.fake.checkRuns(repo, sha)
		if len(runs) == 0 {
			return false, "no check run"
		}
		last := runs[len(runs)-1]
		return last.Status == "completed", fmt.Sprintf("%d check runs, the last %s", len(runs), last.Status)
	})
	require.Len(t, runs, 1, "exactly one check run per commit")
	require.Equal(t, "CentralCloud", runs[0].Name)
	return runs[0]
}

// annotationBatches returns the number of annotations in each accepted
// request that created or updated the check run, leaving out requests
// without annotations.
func (c *cluster) annotationBatches(t *testing.T, run fakegithub.CheckRun) []int {
	t.Helper()
	prefix := fmt.Sprintf("/repos/%s/%s/check-runs", run.Owner, run.Repo)
	var batches []int
	for _, call := range c.fake.calls() {
		if call.Status >= 300 || !strings.HasPrefix(call.Path, prefix) {
			continue
		}
		var body struct {
			HeadSHA string `json:"head_sha"`
			Output  struct {
				Annotations []json.RawMessage `json:"annotations"`
			} `json:"output"`
		}
		if json.Unmarshal(call.RequestBody, &body) != nil {
			continue
		}
		created := call.Method == http.MethodPost && call.Path == prefix && body.HeadSHA == run.HeadSHA
		updated := call.Method == http.MethodPatch && call.Path == fmt.Sprintf("%s/%d", prefix, run.ID)
		if (created || updated) && len(body.Output.Annotations) > 0 {
			batches = append(batches, len(body.Output.Annotations))
		}
	}
	return batches
}

// patternsPublished publishes a pattern set and checks that both replicas
// serve the new snapshot, that the scanner receives it, and that the
// earlier runs reached the learning aggregates.
func (s *scenario) patternsPublished(t *testing.T) {
	c := s.c
	learned := 0
	c.eventually(t, 30*time.Second, "the first runs folded into the learning aggregates", func() (bool, string) {
		learned = c.learnedFindings(t)
		return learned > 0, fmt.Sprintf("%d findings learned", learned)
	})

	s.say(t, "learning aggregates hold %d findings; publishing a pattern set of 3 patterns", learned)
	c.mustCLI("patterns", "publish", testdataPath(t, "patterns.yaml"))
	for _, srv := range c.servers {
		c.eventually(t, 30*time.Second, srv.proc.name+" serving the new snapshot", func() (bool, string) {
			etag := c.snapshotETag(t, srv, s.orgToken)
			return etag != "" && etag != `"`+s.patternsETag+`"`, "ETag " + etag
		})
	}

	s.say(t, "both replicas serve the new snapshot ETag")
	commit := randomHex(t, 20)
	findings := testdataPath(t, "findings.json")
	changed := c.scan(c.servers[1], s.orgToken, repoName, commit, "--state-dir", s.stateDir, "--findings", findings)
	requireScan(t, changed, scanBlocked)
	s.show(t, changed)
	s.say(t, "the scanner's next run saw patterns_changed and got the new snapshot inline")
	require.Equal(t, "true", changed.out["patterns_changed"])
	require.Equal(t, "inline", changed.out["patterns_delivery"])
	require.NotEqual(t, s.patternsETag, changed.out["patterns_etag"])
	require.Equal(t, "3", changed.out["patterns"], "the snapshot holds the published patterns")
	require.Equal(t, "1", changed.out["blocking_count"])
	s.patternsETag = changed.out["patterns_etag"]

	again := c.scan(c.servers[0], s.orgToken, repoName, randomHex(t, 20), "--state-dir", s.stateDir, "--findings", findings)
	requireScan(t, again, scanBlocked)
	require.Equal(t, "false", again.out["patterns_changed"], "the ETag kept in --state-dir is current")
	require.Equal(t, "unchanged", again.out["patterns_delivery"])
	require.Equal(t, s.patternsETag, again.out["patterns_etag"])
	s.say(t, "the run after that revalidated with the ETag from --state-dir: patterns_changed false")

	c.eventually(t, 30*time.Second, "the new runs folded into the learning aggregates", func() (bool, string) {
		now := c.learnedFindings(t)
		return now >= learned+10, fmt.Sprintf("%d findings learned, %d before", now, learned)
	})
	s.say(t, "learning aggregates moved: %d findings now", c.learnedFindings(t))
}

// learnedFindings sums the findings folded into the learning aggregates.
func (c *cluster) learnedFindings(t *testing.T) int {
	t.Helper()
	var n int
	err := c.pool.QueryRow(context.Background(),
		`SELECT coalesce(sum(finding_count), 0) FROM learning_pattern_aggregates`).Scan(&n)
	require.NoError(t, err)
	return n
}

// snapshotETag returns a replica's current snapshot ETag, read with HEAD,
// which needs no client key.
func (c *cluster) snapshotETag(t *testing.T, srv *server, token string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, srv.url+"/patterns/snapshot", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return resp.Header.Get("ETag")
}

// policiesOff turns telemetry and learning off for the org and checks that
// the next run's metrics and learning are dropped, with an audit event for
// each decision.
func (s *scenario) policiesOff(t *testing.T) {
	c := s.c
	s.say(t, "the org turns telemetry and learning off")
	c.mustCLI("policies", "set", "--org", accountLogin, "telemetry_enabled=false", "learning_enabled=false")

	commit := randomHex(t, 20)
	r := c.scan(c.servers[0], s.orgToken, repoName, commit, "--findings", testdataPath(t, "findings.json"))
	requireScan(t, r, scanBlocked)
	s.show(t, r)
	require.Equal(t, "telemetry_enabled=false learning_enabled=false fail_on=error", r.out["policies"])
	require.Equal(t, "false", r.out["metrics_stored"])
	require.Equal(t, "false", r.out["learning_queued"])
	runID := r.out["server_run_id"]
	c.waitCompleted(t, repoName, commit)

	var events, withMetrics, learningQueued int
	err := c.pool.QueryRow(s.ctx, `
		SELECT count(*), count(*) FILTER (WHERE metrics IS NOT NULL OR metrics_stored),
		       count(*) FILTER (WHERE learning_queued)
		FROM scanner_events WHERE run_id = $1`, runID).Scan(&events, &withMetrics, &learningQueued)
	require.NoError(t, err)
	require.Equal(t, 1, events)
	require.Zero(t, withMetrics, "metrics are not stored")
	require.Zero(t, learningQueued)

	var queued int
	err = c.pool.QueryRow(s.ctx, `
		SELECT (SELECT count(*) FROM pgmq.q_centralcloud_learning WHERE message->>'server_run_id' = $1)
		     + (SELECT count(*) FROM pgmq.a_centralcloud_learning WHERE message->>'server_run_id' = $1)`,
		runID).Scan(&queued)
	require.NoError(t, err)
	require.Zero(t, queued, "nothing is queued for learning")

	rows, err := c.pool.Query(s.ctx, `SELECT action FROM audit_events WHERE server_run_id = $1 ORDER BY action`, runID)
	require.NoError(t, err)
	var actions []string
	for rows.Next() {
		var action string
		require.NoError(t, rows.Scan(&action))
		actions = append(actions, action)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"policy.learning_skipped", "policy.telemetry_dropped"}, actions)
	s.say(t, "metrics not stored, nothing queued for learning, audit events: %s", strings.Join(actions, ", "))
}

// workerKilled stops one worker gracefully, makes GitHub slow so that the
// other one holds checks messages, kills that one with SIGKILL, and starts
// a new worker, which must complete every check exactly once.
func (s *scenario) workerKilled(t *testing.T) {
	c := s.c
	victim, stopped := c.workers[0], c.workers[1]
	s.say(t, "stopping %s with SIGTERM and slowing GitHub's check-run API down", stopped.name)
	stopped.signal(syscall.SIGTERM)
	require.Equal(t, 0, stopped.exitCode(), "a worker stopped with SIGTERM exits 0")
	c.fake.injectLatency(fakegithub.RouteCreateCheckRun, 100, "30s")
	c.fake.injectLatency(fakegithub.RouteUpdateCheckRun, 100, "30s")

	s.say(t, "scanning 3 new commits while only %s works", victim.name)
	commits := []string{randomHex(t, 20), randomHex(t, 20), randomHex(t, 20)}
	results := map[string]scanResult{}
	for i, commit := range commits {
		r := c.scan(c.servers[i%2], s.orgToken, repoName, commit, "--findings", testdataPath(t, "findings.json"))
		requireScan(t, r, scanBlocked)
		results[commit] = r
	}
	c.eventually(t, 30*time.Second, victim.name+" holding checks messages", func() (bool, string) {
		inFlight := c.inFlightMessages(t)
		return inFlight > 0, fmt.Sprintf("%d messages in flight", inFlight)
	})
	s.say(t, "%s holds %d checks messages; killing it with SIGKILL and starting a new worker",
		victim.name, c.inFlightMessages(t))
	victim.kill()
	c.fake.clearFaults()
	c.startWorker("worker-2")

	for _, commit := range commits {
		c.waitCompleted(t, repoName, commit)
	}
	// A check can complete before the killed worker's message comes back,
	// so the counts are taken once that message is handled too.
	c.eventually(t, 30*time.Second, "the checks queue drained", func() (bool, string) {
		queued := c.queuedMessages(t)
		return queued == 0, fmt.Sprintf("%d messages queued", queued)
	})
	for _, commit := range commits {
		run := c.waitCompleted(t, repoName, commit)
		require.Equal(t, "failure", run.Conclusion)
		require.Equal(t, results[commit].out["server_run_id"], run.ExternalID)
		require.Len(t, run.Annotations, 4, "each finding with a path is annotated once")
		s.say(t, "commit %s: one check run, %s, %d annotations", commit[:12], run.Conclusion, len(run.Annotations))
	}
	for _, commit := range []string{prHeadCommit, pushCommit} {
		require.Len(t, c.fake.checkRuns(repoName, commit), 1, "earlier commits keep one check run")
	}
}

// queuedMessages counts the messages of the checks queue, read or not.
func (c *cluster) queuedMessages(t *testing.T) int {
	t.Helper()
	var n int
	err := c.pool.QueryRow(context.Background(), `SELECT count(*) FROM pgmq.q_centralcloud_checks`).Scan(&n)
	require.NoError(t, err)
	return n
}

// inFlightMessages counts checks messages that a worker has read and not yet
// finished.
func (c *cluster) inFlightMessages(t *testing.T) int {
	t.Helper()
	var n int
	err := c.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM pgmq.q_centralcloud_checks WHERE read_ct > 0 AND vt > now()`).Scan(&n)
	require.NoError(t, err)
	return n
}

// testdataPath returns the absolute path of a file in testdata, for
// commands that may run in another directory.
func testdataPath(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", name))
	require.NoError(t, err)
	return path
}
