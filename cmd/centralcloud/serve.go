package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/centralcloud/centralcloud/githubapp"
	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/learning"
	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/scannerapi"
	"github.com/centralcloud/centralcloud/server"
	"github.com/centralcloud/centralcloud/snapshots"
)

// roles selects which parts of the service a process runs.
type roles struct {
	serve bool
	work  bool
}

func newRunCommand(app *cliApp) *cobra.Command {
	return serviceCommand(app, &cobra.Command{
		Use:   "run",
		Short: "Serve the HTTP API and run the queue workers in one process",
		Long: "Serve the HTTP API and run the queue workers in one process. With no database URL\n" +
			"configured, an embedded Postgres starts in data_dir (CENTRALCLOUD_DATA_DIR).",
	}, roles{serve: true, work: true})
}

func newServeCommand(app *cliApp) *cobra.Command {
	return serviceCommand(app, &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API only; run workers elsewhere with centralcloud worker",
	}, roles{serve: true})
}

func newWorkerCommand(app *cliApp) *cobra.Command {
	return serviceCommand(app, &cobra.Command{
		Use:   "worker",
		Short: "Run the queue workers only: checks, learning and pattern snapshot builds",
	}, roles{work: true})
}

// serviceCommand completes cmd as a command that runs the service with
// roles r, with the flags that every service command has.
func serviceCommand(app *cliApp, cmd *cobra.Command, r roles) *cobra.Command {
	var cpuProfile string
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		stop, err := startCPUProfile(cpuProfile)
		if err != nil {
			return err
		}
		err = runService(cmd.Context(), app, r)
		if perr := stop(); perr != nil && err == nil {
			err = perr
		}
		return err
	}
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process to FILE until it stops")
	return cmd
}

// service is the assembled process: every part and what it depends on.
type service struct {
	app       *cliApp
	pool      *pgxpool.Pool
	registry  prometheus.Registerer
	gatherer  prometheus.Gatherer
	github    *githubapp.App
	snapshots snapshotParts
	// http is set for processes that serve.
	http *http.Server
	// background runs until the context ends: workers, snapshot reloads,
	// reconcilers.
	background []func(context.Context) error
}

func runService(ctx context.Context, app *cliApp, r roles) error {
	app.service = true
	if err := app.load(); err != nil {
		return err
	}
	logger := app.logger
	pool, err := app.database(ctx, app.cfg.Database.MigrateOnStart)
	if err != nil {
		return err
	}
	reg := newRegistry()
	svc, err := newService(app, pool, r, reg, reg)
	if err != nil {
		return err
	}
	if !svc.github.Enabled() {
		logger.Warn().Msg("no GitHub App configured (github.app_id): webhooks and checks are off, the scanner API serves org tokens")
	}
	// Background tasks such as the snapshot cache log through the
	// context's logger.
	ctx = logger.WithContext(ctx)
	group, ctx := errgroup.WithContext(ctx)
	if svc.http != nil {
		group.Go(func() error { return svc.serveHTTP(ctx, svc.http) })
	}
	for _, run := range svc.background {
		group.Go(func() error { return run(ctx) })
	}
	logger.Info().Str(logkey.Version, version).Bool(logkey.Serve, r.serve).Bool(logkey.Work, r.work).Msg("centralcloud started")
	err = group.Wait()
	logger.Info().Msg("centralcloud stopped")
	return err
}

// newService builds every part that the roles need, registering their
// metrics with reg, without starting anything.
func newService(app *cliApp, pool *pgxpool.Pool, r roles, reg prometheus.Registerer, gatherer prometheus.Gatherer) (*service, error) {
	svc := &service{app: app, pool: pool, registry: reg, gatherer: gatherer}
	var err error
	if err = svc.registerQueueCollector(); err != nil {
		return nil, err
	}
	if svc.github, err = newGitHubApp(app, pool, reg); err != nil {
		return nil, err
	}
	if err = svc.addSnapshots(r); err != nil {
		return nil, err
	}
	if r.serve {
		if svc.http, err = svc.httpServer(); err != nil {
			return nil, err
		}
	}
	if r.work {
		if err = svc.addWorkers(); err != nil {
			return nil, err
		}
	}
	return svc, nil
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// httpServer assembles the routes.
func (s *service) httpServer() (*http.Server, error) {
	cfg := s.app.cfg
	api := scannerapi.New(s.pool, scannerapi.Options{
		Policies:              s.app.policyDefaults(),
		RateLimitPerMinute:    cfg.Scanner.RateLimitPerMinute,
		MaxFindings:           cfg.Scanner.MaxFindings,
		AuthFailuresPerMinute: cfg.Scanner.AuthFailuresPerMinute,
		TokenCacheTTL:         cfg.Scanner.TokenCacheTTL,
		VerifyInstallation:    s.github.ScannerVerifier(),
		Snapshots:             snapshotSource{s.snapshots.cache},
		Registerer:            s.registry,
	})
	routes := server.Routes{
		Scanner:  api,
		Snapshot: snapshots.NewHandler(s.snapshots.cache),
		Health:   &server.Health{DB: s.pool, SnapshotLoaded: s.snapshots.cache.Loaded},
		Gatherer: s.gatherer,
	}
	if s.github.Enabled() {
		routes.Webhook = s.github.WebhookHandler()
	}
	handler := server.NewRouter(routes,
		server.Options{Logger: s.app.logger, MaxBodyBytes: cfg.HTTP.MaxBodyBytes, Registerer: s.registry})
	return &http.Server{
		Addr:              cfg.HTTP.Addr,
		Handler:           handler,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
	}, nil
}

// serveHTTP listens until ctx ends, then lets in-flight requests finish
// within the shutdown timeout.
func (s *service) serveHTTP(ctx context.Context, srv *http.Server) error {
	logger := s.app.logger
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (http.addr): %w", srv.Addr, err)
	}
	logger.Info().Str(logkey.Address, ln.Addr().String()).Msg("http server listening")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.Info().Dur(logkey.Timeout, s.app.cfg.HTTP.ShutdownTimeout).Msg("http server shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.app.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Error().Err(err).Msg("http server shutdown did not finish in time")
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// addWorkers registers the queue consumers, the check reconciler and the
// retention job as background tasks.
func (s *service) addWorkers() error {
	cfg := s.app.cfg.Queue
	s.background = append(s.background, githubBackground(s.github)...)
	return s.addQueueWorkers(func(r *queue.Runner, _ *learning.Handler) error {
		checks := s.github.Checks()
		return r.Handle(queue.Checks, func(ctx context.Context, m queue.Message) error {
			return checks.HandleMessage(ctx, m.Body)
		}, queueHandlerOptions(cfg, cfg.ChecksConcurrency))
	}, s.registerSnapshotWorkers)
}
