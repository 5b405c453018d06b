package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/centralcloud/centralcloud/bench"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

// benchSnapshotSize is the size of the pattern bundle that the in-process
// service publishes, so that the snapshot is about 256 KiB.
const benchSnapshotSize = 256 << 10

// startBenchService starts the API and the workers in this process on a
// loopback port, with a fake GitHub, an org, a token and a published
// pattern set, and returns the target and the function that stops it all.
func startBenchService(ctx context.Context, app *cliApp, repo, scratchURL string) (bench.Target, func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	t, err := benchService(ctx, app, repo, scratchURL, func(f func()) { stops = append(stops, f) })
	if err != nil {
		stop()
		return bench.Target{}, nil, err
	}
	return t, stop, nil
}

func benchService(ctx context.Context, app *cliApp, repo, scratchURL string, onStop func(func())) (bench.Target, error) {
	if err := app.load(); err != nil {
		return bench.Target{}, err
	}
	tenant := &benchTenant{Owner: "bench-" + randomSuffix(), Repo: repo}
	if err := configureBench(app, scratchURL, onStop); err != nil {
		return bench.Target{}, err
	}
	fake, err := startBenchGitHub(app, tenant)
	if err != nil {
		return bench.Target{}, err
	}
	onStop(fake.Close)
	svc, url, err := startBenchProcess(ctx, app, onStop)
	if err != nil {
		return bench.Target{}, err
	}
	t := bench.Target{
		URL: url, Owner: tenant.Owner, Repo: repo, Pool: svc.pool, WebhookSecret: app.cfg.GitHub.WebhookSecret,
		RSS:     bench.SelfRSS,
		RSSNote: "of the whole bench process: service, load generator and bare servers; PostgreSQL runs in its own processes",
		Checks: func(commit string) bool {
			runs := fake.CheckRuns(tenant.Owner, repo, commit)
			return len(runs) > 0 && runs[len(runs)-1].Status == "completed"
		},
	}
	if err := tenant.install(ctx, url, t.WebhookSecret); err != nil {
		return bench.Target{}, err
	}
	if t.Token, err = benchToken(ctx, svc, tenant.Owner); err != nil {
		return bench.Target{}, err
	}
	if t.Webhook, err = tenant.synchronizePayload(); err != nil {
		return bench.Target{}, err
	}
	return t, publishBenchPatterns(ctx, svc)
}

// configureBench points the service at scratchURL or else a new embedded
// database in a temporary folder, a loopback port and a fresh snapshot key,
// and lifts the per-token rate limit. The service's log goes nowhere, so
// that the terminal shows the report; zerolog still formats every line.
func configureBench(app *cliApp, scratchURL string, onStop func(func())) error {
	cfg := app.cfg
	cfg.Database.URL = scratchURL
	if scratchURL == "" {
		dir, err := os.MkdirTemp("", "centralcloud-bench-")
		if err != nil {
			return fmt.Errorf("create a temporary data folder: %w", err)
		}
		// The app's closers stop the embedded server after the bench
		// ends, last added first. This one is added before the server
		// starts, so it removes the folder once the server is down.
		app.closers = append(app.closers, func() { _ = os.RemoveAll(dir) })
		// When run as root the embedded server runs as postgres, which
		// must be able to enter the folder.
		if err := os.Chmod(dir, 0o711); err != nil {
			return fmt.Errorf("open the temporary data folder to the postgres user: %w", err)
		}
		cfg.DataDir = filepath.Join(dir, "data")
	}
	id, entry, err := snapshots.GenerateKey(time.Now())
	if err != nil {
		return err
	}
	cfg.Snapshots.Keys, cfg.Snapshots.ActiveKeyID = []string{entry}, id
	cfg.Scanner.RateLimitPerMinute = 1 << 30
	cfg.HTTP.Addr = "127.0.0.1:0"
	app.logger = newLogger(cfg.Log, io.Discard)
	return nil
}

// startBenchProcess builds the service with API and workers, serves it on
// a free loopback port and runs its background tasks until stopped.
func startBenchProcess(ctx context.Context, app *cliApp, onStop func(func())) (*service, string, error) {
	pool, err := app.database(ctx, true)
	if err != nil {
		return nil, "", err
	}
	reg := newRegistry()
	svc, err := newService(app, pool, roles{serve: true, work: true}, reg, reg)
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen on loopback: %w", err)
	}
	bgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	group, bgCtx := errgroup.WithContext(bgCtx)
	for _, run := range svc.background {
		group.Go(func() error { return run(bgCtx) })
	}
	go func() { _ = svc.http.Serve(ln) }()
	onStop(func() {
		_ = svc.http.Close()
		cancel()
		if err := group.Wait(); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(app.stderr, "bench: service stopped with: %v\n", err)
		}
	})
	return svc, "http://" + ln.Addr().String(), nil
}

// benchToken creates an org token that expires in a day.
func benchToken(ctx context.Context, svc *service, login string) (string, error) {
	org, _, err := store.CreateOrg(ctx, svc.pool, login)
	if err != nil {
		return "", err
	}
	expires := time.Now().Add(24 * time.Hour)
	token, _, err := store.CreateToken(ctx, svc.pool, org.ID, "bench", &expires)
	return token, err
}

// publishBenchPatterns publishes a generated pattern set of about 256 KiB
// and waits until the service serves its snapshot.
func publishBenchPatterns(ctx context.Context, svc *service) error {
	bundle, err := snapshots.ParseBundle(bench.PatternBundle(benchSnapshotSize), snapshots.FormatJSON)
	if err != nil {
		return err
	}
	keyring, err := snapshotKeyring(svc.app)
	if err != nil {
		return err
	}
	if _, err := snapshots.Publish(ctx, svc.pool, keyring, bundle, snapshots.PublishOptions{PublishedBy: "bench"}); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if cur := svc.snapshots.cache.Current(); cur != nil && cur.PatternCount == len(bundle.Patterns) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("the published pattern set was not served within a minute; is the patterns sync worker failing?")
}
