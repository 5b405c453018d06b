package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/bench"
	"github.com/centralcloud/centralcloud/database"
)

// benchFlags are the options of centralcloud bench.
type benchFlags struct {
	opts          bench.Options
	server        string
	token         string
	owner         string
	repo          string
	webhookSecret string
	databaseURL   string
	scratchURL    string
	pid           int
	cpuProfile    string
	// serveCPUProfile is the CPU profile file of the serve process that
	// the bench starts.
	serveCPUProfile string
}

func newBenchCommand(app *cliApp) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load the service on loopback and report throughput and latency next to the machine's limit",
		Long: "Load the service on loopback, one bounded scenario after the other, and report requests per\n" +
			"second and p50/p99/p999 latency, next to the limit measured in the same run: a bare net/http\n" +
			"handler, or the same SQL raw through pgx. By default it starts its own service on a fresh\n" +
			"embedded database in a temporary folder: a centralcloud serve process from this binary,\n" +
			"whose resident size it reports, and the queue workers and a fake GitHub in this process.\n" +
			"It ignores database.url, because it leaves test data behind: orgs, runs and a pattern set\n" +
			"under a key that it throws away. --scratch-database names a database that it may fill\n" +
			"instead. With --server it drives a running service, with an org token of --owner.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(cmd.Flags()); err != nil {
				return err
			}
			return runBench(cmd.Context(), app, f)
		},
	}
	cmd.AddCommand(newBenchBareCommand())
	fl := cmd.Flags()
	fl.IntVar(&f.opts.Requests, "requests", 20000, "most requests per scenario (the SARIF scenario sends a tenth)")
	fl.IntVar(&f.opts.Concurrency, "concurrency", 16, "client goroutines")
	fl.DurationVar(&f.opts.Duration, "duration", 10*time.Second, "most time of each side of a scenario; one with a limit runs up to twice this")
	fl.Float64Var(&f.opts.WebhookRate, "webhook-rate", 500, "deliveries per second of the paced webhook scenario; 0 skips it")
	fl.Float64Var(&f.opts.ChecksRate, "checks-rate", 50, "runs per second of the checks pipeline scenario; 0 skips it")
	fl.StringSliceVar(&f.opts.Only, "only", nil, "run only these scenario groups: "+strings.Join(bench.Groups, ", "))
	fl.StringVar(&f.server, "server", "", "base URL of a running service on loopback, e.g. http://127.0.0.1:8080")
	fl.StringVar(&f.token, "token", "", "with --server: an org token of --owner")
	fl.StringVar(&f.owner, "owner", "", "with --server: the token's org login")
	fl.StringVar(&f.repo, "repo", "bench", "repository name that runs are registered for")
	fl.StringVar(&f.webhookSecret, "webhook-secret", "", "with --server: the webhook secret; empty skips webhooks")
	fl.StringVar(&f.databaseURL, "database-url", "", "with --server: the service's database, for the raw limits; the bench adds runs and queue messages to it")
	fl.IntVar(&f.pid, "pid", 0, "with --server: the service's process id, to report its resident size")
	fl.StringVar(&f.scratchURL, "scratch-database", "", "without --server: a throwaway database URL to use instead of a new embedded one")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (load generator, workers, fake GitHub) to FILE")
	fl.StringVar(&f.serveCPUProfile, "serve-cpuprofile", "", "without --server: write a CPU profile of the serve process to FILE")
	return cmd
}

func runBench(ctx context.Context, app *cliApp, f benchFlags) error {
	f.opts.Out = app.stderr
	loadBefore := bench.LoadAverage()
	var target bench.Target
	var err error
	if f.server != "" {
		target, err = externalTarget(ctx, app, f)
	} else {
		var stop func()
		target, stop, err = startBenchService(ctx, app, f)
		if stop != nil {
			defer stop()
		}
	}
	if err != nil {
		return interrupted(ctx, err)
	}
	target.StartBare = startBareProcess
	stopProfile, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		return err
	}
	report, err := bench.Run(ctx, target, f.opts)
	report.LoadAverage = loadBefore
	if perr := stopProfile(); perr != nil && err == nil {
		err = perr
	}
	if werr := report.Write(app.stdout); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return interrupted(ctx, err)
	}
	if report.Failed() {
		return fmt.Errorf("some requests failed (see the errors column and the first errors above)")
	}
	return nil
}

// interrupted replaces err with a plain message when ctx ended because the
// bench was interrupted (SIGINT or SIGTERM), rather than the error of
// whichever step the signal cut short.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	return errors.New("interrupted: stopped the bench's processes; the report above covers the scenarios that finished")
}

// externalTarget describes a running service from the flags.
func externalTarget(ctx context.Context, app *cliApp, f benchFlags) (bench.Target, error) {
	t := bench.Target{URL: f.server, Token: f.token, Owner: f.owner, Repo: f.repo, WebhookSecret: f.webhookSecret}
	if f.webhookSecret != "" {
		payload, err := readWebhookFixture("pull_request/synchronize.json")
		if err != nil {
			return bench.Target{}, err
		}
		t.Webhook = payload
	}
	if f.pid > 0 {
		t.RSS = bench.ProcessRSS(f.pid)
		t.RSSNote = fmt.Sprintf("of process %d", f.pid)
	}
	if f.databaseURL != "" {
		pool, err := database.Open(ctx, f.databaseURL, database.PoolOptions{ApplicationName: "centralcloud-bench"})
		if err != nil {
			return bench.Target{}, err
		}
		app.closers = append(app.closers, pool.Close)
		t.Pool = pool
	}
	return t, nil
}
