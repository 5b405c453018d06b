package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/scannerapi/client"
	snapclient "github.com/centralcloud/centralcloud/snapshots/client"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// scanRequestTimeout bounds one HTTP attempt of the scan command; retries
// get a fresh timeout each.
const scanRequestTimeout = 2 * time.Minute

// blockedError is a run whose conclusion is failure. It exits with status 1
// like any failure, after the results are printed.
type blockedError struct {
	count  int
	failOn client.Severity
}

func (e *blockedError) Error() string {
	return fmt.Sprintf("run blocked: %d findings at or above fail_on %s", e.count, e.failOn)
}

// runScan reads the results and the state directory, builds the client and
// checks the results locally, so that unreadable input registers no run.
func runScan(ctx context.Context, app *cliApp, opts scanOptions) error {
	input, err := readScanInput(opts)
	if err != nil {
		return err
	}
	if opts.localRunID == "" {
		opts.localRunID = deriveLocalRunID(opts, input.files)
	}
	state, err := loadScanState(opts.stateDir)
	if err != nil {
		return err
	}

	logger := zerolog.New(zerolog.ConsoleWriter{Out: app.stderr, TimeFormat: time.TimeOnly}).
		Level(zerolog.InfoLevel).With().Timestamp().Logger()
	c, err := client.New(opts.server, client.Options{
		Token:      opts.token,
		HTTPClient: &http.Client{Timeout: scanRequestTimeout},
		UserAgent:  "centralcloud-scan/" + version,
		Limits:     client.Limits{BatchSize: opts.batchSize},
		ClientKey:  state.ClientKey,
		Logger:     &logger,
	})
	if err != nil {
		return err
	}

	if err := c.Check(input.results); err != nil {
		return fmt.Errorf("check results before registering the run: %w", err)
	}
	return scan(ctx, app.stdout, c, opts, state, input.results)
}

// scan runs the three steps of a scanner run and prints what each returned.
func scan(ctx context.Context, out io.Writer, c *client.Client, opts scanOptions, state *client.State, results client.Results) error {
	run, err := c.RegisterRun(ctx, client.RunRequest{
		LocalRunID: opts.localRunID, Repo: client.Repository{Owner: opts.owner, Name: opts.repo},
		Commit: opts.commit, ETag: state.PatternsETag, Ref: opts.ref, PullRequest: opts.pullRequest,
		Scanner: &client.Scanner{Name: "centralcloud-scan", Version: version},
	})
	if err != nil {
		return fmt.Errorf("register run: %w", err)
	}
	printRun(out, opts, run)

	snapshot, err := c.SyncSnapshot(ctx, run)
	if err != nil {
		return err
	}
	if err := saveScanState(opts.stateDir, state, snapshot); err != nil {
		return err
	}
	printSnapshot(out, run, state, snapshot)

	upload, err := c.Upload(ctx, run.ServerRunID, results)
	if err != nil {
		return fmt.Errorf("post results for run %s: %w", run.ServerRunID, err)
	}
	printUpload(out, upload)
	if upload.Final.Conclusion == client.ConclusionFailure {
		return &blockedError{count: upload.Final.BlockingCount, failOn: run.Policies.FailOn}
	}
	return nil
}

func printRun(out io.Writer, opts scanOptions, run *client.Run) {
	status := "existing"
	if run.Created {
		status = "created"
	}
	fmt.Fprintf(out, "server_run_id: %s\n", run.ServerRunID)
	fmt.Fprintf(out, "local_run_id: %s\n", opts.localRunID)
	fmt.Fprintf(out, "run: %s\n", status)
	fmt.Fprintf(out, "policies: telemetry_enabled=%t learning_enabled=%t fail_on=%s\n",
		run.Policies.TelemetryEnabled, run.Policies.LearningEnabled, run.Policies.FailOn)
}

func printSnapshot(out io.Writer, run *client.Run, state *client.State, snapshot *snapclient.Snapshot) {
	delivery := "unchanged"
	switch {
	case run.Snapshot != nil:
		delivery = "inline"
	case run.PatternsChanged:
		delivery = "fetched"
	}
	fmt.Fprintf(out, "patterns_etag: %s\n", run.PatternsETag)
	fmt.Fprintf(out, "patterns_changed: %t\n", run.PatternsChanged)
	fmt.Fprintf(out, "patterns_delivery: %s\n", delivery)
	switch {
	case snapshot != nil:
		fmt.Fprintf(out, "patterns: %d\n", len(snapshot.Document.Patterns))
	case state.Snapshot != nil:
		if doc, err := wire.ParseDocument(state.Snapshot); err == nil {
			fmt.Fprintf(out, "patterns: %d\n", len(doc.Patterns))
		}
	}
}

func printUpload(out io.Writer, upload *client.UploadResult) {
	final := upload.Final
	fmt.Fprintf(out, "events: %d sent, %d duplicate\n", upload.Events, upload.Duplicates)
	fmt.Fprintf(out, "findings: %d sent, %d stored\n", upload.FindingsSent, upload.FindingsStored)
	fmt.Fprintf(out, "metrics_stored: %t\n", final.MetricsStored)
	fmt.Fprintf(out, "learning_queued: %t\n", final.LearningQueued)
	fmt.Fprintf(out, "conclusion: %s\n", final.Conclusion)
	fmt.Fprintf(out, "blocking_count: %d\n", final.BlockingCount)
}

// deriveLocalRunID names the run after what was scanned and found, so
// running the same command again reuses the run and its events instead of
// registering a second run for the commit.
func deriveLocalRunID(opts scanOptions, files [][]byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s/%s@%s\n", opts.owner, opts.repo, opts.commit)
	for _, data := range files {
		fmt.Fprintf(h, "%d\n", len(data))
		h.Write(data)
	}
	return "scan-" + hex.EncodeToString(h.Sum(nil))[:32]
}
