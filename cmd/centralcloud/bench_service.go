package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/centralcloud/centralcloud/bench"
	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

// benchSnapshotSize is the size of the pattern bundle that the bench
// publishes, so that the snapshot is about 256 KiB.
const benchSnapshotSize = 256 << 10

// startBenchService starts the service under load as operators split it.
// A serve process runs from this binary, and the queue workers (what
// centralcloud worker runs) run in this process, next to a fake GitHub.
// It creates an org and a token, publishes a pattern set, and returns the
// target and the function that stops it all.
func startBenchService(ctx context.Context, app *cliApp, f benchFlags) (bench.Target, func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	t, err := benchService(ctx, app, f, func(f func()) { stops = append(stops, f) })
	if err != nil {
		stop()
		return bench.Target{}, nil, err
	}
	return t, stop, nil
}

func benchService(ctx context.Context, app *cliApp, f benchFlags, onStop func(func())) (bench.Target, error) {
	if err := app.load(); err != nil {
		return bench.Target{}, err
	}
	tenant := &benchTenant{Owner: "bench-" + randomSuffix(), Repo: f.repo}
	if f.scratchURL != "" {
		if err := checkScratchEmpty(ctx, f.scratchURL); err != nil {
			return bench.Target{}, err
		}
	}
	dir, err := configureBench(app, f.scratchURL)
	if err != nil {
		return bench.Target{}, err
	}
	fake, err := startBenchGitHub(app, tenant)
	if err != nil {
		return bench.Target{}, err
	}
	onStop(fake.Close)
	pool, stopWorkers, err := startBenchWorkers(ctx, app, onStop)
	if err != nil {
		return bench.Target{}, err
	}
	serve, err := startBenchServe(ctx, app, dir, f.serveCPUProfile)
	if err != nil {
		return bench.Target{}, err
	}
	onStop(func() { serve.shutdown(app.stderr) })
	t := bench.Target{
		URL: serve.url, Owner: tenant.Owner, Repo: f.repo, Pool: pool, WebhookSecret: app.cfg.GitHub.WebhookSecret,
		DropBackground: func(ctx context.Context) (int64, error) { return dropQueued(ctx, pool) },
		StopWorkers:    stopWorkers,
		RSS:            bench.ProcessRSS(serve.cmd.Process.Pid),
		RSSNote:        "of the serve process; the load generator, the workers and PostgreSQL run in other processes",
		Checks: func(commit string) bool {
			runs := fake.CheckRuns(tenant.Owner, f.repo, commit)
			return len(runs) > 0 && runs[len(runs)-1].Status == "completed"
		},
	}
	if err := tenant.install(ctx, serve.url, t.WebhookSecret); err != nil {
		return bench.Target{}, err
	}
	if t.Token, err = benchToken(ctx, pool, tenant.Owner); err != nil {
		return bench.Target{}, err
	}
	if t.Webhook, err = tenant.synchronizePayload(); err != nil {
		return bench.Target{}, err
	}
	return t, publishBenchPatterns(ctx, app, pool, serve.url, t.Token)
}

// checkScratchEmpty rejects a --scratch-database that has tables. A
// database that a bench used before holds a snapshot under a key that the
// bench threw away, so the serve process could never become ready on it.
func checkScratchEmpty(ctx context.Context, rawURL string) error {
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		return fmt.Errorf("connect to --scratch-database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var tables int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`).Scan(&tables)
	if err != nil {
		return fmt.Errorf("list the tables of --scratch-database: %w", err)
	}
	if tables > 0 {
		return fmt.Errorf("--scratch-database %s is not empty (%d tables): give the bench a new empty database, "+
			"e.g. CREATE DATABASE bench_scratch", conn.Config().Database, tables)
	}
	return nil
}

// configureBench creates the bench's temporary folder and points the
// service at scratchURL, or else at a new embedded database in that
// folder. It sets a loopback port, a fresh snapshot key and lifts the
// per-token rate limit. This process's own log goes nowhere, so that the
// terminal shows the report; zerolog still formats every line.
func configureBench(app *cliApp, scratchURL string) (string, error) {
	sweepBenchFolders(context.Background(), app.stderr)
	dir, err := os.MkdirTemp("", benchFolderPattern)
	if err != nil {
		return "", fmt.Errorf("create a temporary folder: %w", err)
	}
	// The app's closers stop the embedded server after the bench ends,
	// last added first. This one is added before the server starts, so it
	// removes the folder once the server is down.
	app.closers = append(app.closers, func() { _ = os.RemoveAll(dir) })
	// When run as root the embedded server runs as postgres, which must be
	// able to enter the folder.
	if err := os.Chmod(dir, 0o711); err != nil {
		return "", fmt.Errorf("open the temporary folder to the postgres user: %w", err)
	}
	if err := claimBenchFolder(dir); err != nil {
		return "", fmt.Errorf("claim the temporary folder: %w", err)
	}
	cfg := app.cfg
	cfg.Database.URL = scratchURL
	if scratchURL == "" {
		cfg.DataDir = filepath.Join(dir, "data")
	}
	id, entry, err := snapshots.GenerateKey(time.Now())
	if err != nil {
		return "", err
	}
	cfg.Snapshots.KeyringFile, cfg.Snapshots.Keys, cfg.Snapshots.ActiveKeyID = "", []string{entry}, id
	cfg.Scanner.RateLimitPerMinute = 1 << 30
	if cfg.HTTP.Addr, err = freeLoopbackAddr(); err != nil {
		return "", err
	}
	app.logger = newLogger(cfg.Log, io.Discard)
	return dir, nil
}

// startBenchWorkers migrates the database and runs the queue workers, the
// check reconciler and the retention job in this process. It returns the
// pool and the function that stops them, which may be called more than
// once; onStop gets it too.
func startBenchWorkers(ctx context.Context, app *cliApp, onStop func(func())) (*pgxpool.Pool, func(), error) {
	pool, err := app.database(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	reg := newRegistry()
	svc, err := newService(app, pool, roles{work: true}, reg, reg)
	if err != nil {
		return nil, nil, err
	}
	bgCtx, cancel := context.WithCancel(app.logger.WithContext(context.WithoutCancel(ctx)))
	group, bgCtx := errgroup.WithContext(bgCtx)
	for _, run := range svc.background {
		group.Go(func() error { return run(bgCtx) })
	}
	stop := sync.OnceFunc(func() {
		cancel()
		if err := group.Wait(); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(app.stderr, "bench: workers stopped with: %v\n", err)
		}
	})
	onStop(stop)
	return pool, stop, nil
}

// dropQueued purges the checks and learning queues of the bench's own
// database. A message that a worker holds is purged too, and the Runner's
// delete after the handler then finds it gone, which it logs and accepts.
func dropQueued(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var total int64
	for _, name := range []string{queue.Checks, queue.Learning} {
		n, err := queue.Purge(ctx, pool, name)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// benchToken creates an org token that expires in a day.
func benchToken(ctx context.Context, pool *pgxpool.Pool, login string) (string, error) {
	org, _, err := store.CreateOrg(ctx, pool, login)
	if err != nil {
		return "", err
	}
	expires := time.Now().Add(24 * time.Hour)
	token, _, err := store.CreateToken(ctx, pool, org.ID, "bench", &expires)
	return token, err
}

// publishBenchPatterns publishes a generated pattern set of about 256 KiB
// and waits until the serve process at url serves a snapshot other than
// the empty one, which on the bench's new database can only be this one.
func publishBenchPatterns(ctx context.Context, app *cliApp, pool *pgxpool.Pool, url, token string) error {
	bundle, err := snapshots.ParseBundle(bench.PatternBundle(benchSnapshotSize), snapshots.FormatJSON)
	if err != nil {
		return err
	}
	keyring, err := snapshotKeyring(app)
	if err != nil {
		return err
	}
	if _, err := snapshots.Publish(ctx, pool, keyring, bundle, snapshots.PublishOptions{PublishedBy: "bench"}); err != nil {
		return err
	}
	empty := `"` + snapshots.EmptyETag() + `"`
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, url+"/patterns/snapshot", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if res, err := http.DefaultClient.Do(req); err == nil {
			_ = res.Body.Close()
			if etag := res.Header.Get("ETag"); res.StatusCode == http.StatusOK && etag != "" && etag != empty {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("the serve process did not serve the published pattern set within a minute; is the patterns sync worker failing?")
}
