package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/database/embedded"
	"github.com/centralcloud/centralcloud/internal/logbuffer"
	"github.com/centralcloud/centralcloud/store"
)

// cliApp is the state that subcommands share: configuration, logger and
// database, each set up on first use and released by close.
type cliApp struct {
	configPath string
	// service is set by run, serve and worker.
	service bool
	stdout  io.Writer
	stderr  io.Writer

	cfg     *config.Config
	logger  zerolog.Logger
	dbURL   string
	pool    *pgxpool.Pool
	closers []func()
}

// load reads the configuration and builds the logger.
func (a *cliApp) load() error {
	if a.cfg != nil {
		return nil
	}
	path := a.configPath
	if path == "" {
		path = os.Getenv(config.EnvConfigPath)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	a.cfg = cfg
	out := a.stderr
	if a.service && cfg.Log.Format == "json" && cfg.Log.FlushInterval > 0 {
		// The first closer runs last, so lines logged while the others
		// close are written too.
		buffered := logbuffer.New(a.stderr, cfg.Log.FlushInterval)
		a.closers = append(a.closers, func() { _ = buffered.Close() })
		out = buffered
	}
	a.logger = newLogger(cfg.Log, out)
	for _, w := range cfg.Warnings {
		a.logger.Warn().Msg(w)
	}
	return nil
}

func newLogger(cfg config.LogConfig, out io.Writer) zerolog.Logger {
	if cfg.Format == "console" {
		out = zerolog.ConsoleWriter{Out: out, TimeFormat: time.RFC3339}
	}
	level, err := zerolog.ParseLevel(cfg.Level)
	if err != nil {
		level = zerolog.InfoLevel
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger()
}

// databaseURL returns the configured database URL, starting the embedded
// Postgres when none is configured.
// A service process adopts an embedded Postgres that a dead process left
// running; operator commands never stop a server they did not start.
func (a *cliApp) databaseURL(ctx context.Context) (string, error) {
	if err := a.load(); err != nil {
		return "", err
	}
	if a.dbURL != "" {
		return a.dbURL, nil
	}
	if a.cfg.Database.URL != "" {
		a.dbURL = a.cfg.Database.URL
		return a.dbURL, nil
	}
	srv, err := embedded.Start(ctx, embedded.Options{
		DataDir: a.cfg.DataDir, BinDir: a.cfg.Database.PostgresBinDir, Logger: a.logger,
		AdoptOrphan: a.service,
	})
	if err != nil {
		return "", fmt.Errorf("start embedded postgres in %s: %w", filepath.Clean(a.cfg.DataDir), err)
	}
	a.closers = append(a.closers, func() {
		if err := srv.Stop(); err != nil {
			a.logger.Error().Err(err).Msg("stop embedded postgres failed")
		}
	})
	a.dbURL = srv.URL()
	return a.dbURL, nil
}

// database opens the pool, applying migrations first when migrate is true.
func (a *cliApp) database(ctx context.Context, migrate bool) (*pgxpool.Pool, error) {
	if a.pool != nil {
		return a.pool, nil
	}
	url, err := a.databaseURL(ctx)
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := database.MigrateUp(url); err != nil {
			return nil, err
		}
		a.logger.Info().Msg("database migrations applied")
	}
	pool, err := database.Open(ctx, url, database.PoolOptions{
		MaxConns:        int32(a.cfg.Database.MaxConns),
		ConnectTimeout:  a.cfg.Database.ConnectTimeout,
		ApplicationName: "centralcloud",
	})
	if err != nil {
		return nil, err
	}
	a.pool = pool
	a.closers = append(a.closers, pool.Close)
	return pool, nil
}

// toolDatabase opens the database for an operator command. Such commands
// migrate too when migrate_on_start is set, so they work on a new database.
func (a *cliApp) toolDatabase(ctx context.Context) (*pgxpool.Pool, error) {
	if err := a.load(); err != nil {
		return nil, err
	}
	return a.database(ctx, a.cfg.Database.MigrateOnStart)
}

// policyDefaults converts the configured defaults to the store's type.
func (a *cliApp) policyDefaults() store.Policy {
	return store.Policy{
		TelemetryEnabled: a.cfg.Policies.TelemetryEnabled,
		LearningEnabled:  a.cfg.Policies.LearningEnabled,
		FailOn:           a.cfg.Policies.FailOn,
	}
}

// close releases what the commands opened, newest first.
func (a *cliApp) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}
