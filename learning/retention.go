package learning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// AuditRetentionDeleted is the audit action written for each org whose
// old events and findings a sweep deleted.
const AuditRetentionDeleted = "retention.deleted"

// auditActor names the retention job in audit events.
const auditActor = "centralcloud-retention"

// retentionLockKey is the Postgres advisory lock that keeps two replicas
// from sweeping at once.
const retentionLockKey int64 = 0x63635f726574 // "cc_ret"

// ErrSweepInProgress means another process holds the retention lock.
var ErrSweepInProgress = errors.New("another retention sweep is in progress")

// RetentionOptions configure a Retention job. Zero fields take the
// defaults named on each field.
type RetentionOptions struct {
	// Interval is the time between two sweeps. Default 1h.
	Interval time.Duration
	// BatchSize is the number of rows one DELETE removes, so that a sweep
	// never holds long locks. Default 1000.
	BatchSize int
	Logger    zerolog.Logger
}

// Retention deletes scanner events and findings older than each org's
// retention_days policy. Orgs without that policy keep their data.
type Retention struct {
	pool *pgxpool.Pool
	opts RetentionOptions
}

// OrgSweep reports one org's part of a sweep.
type OrgSweep struct {
	OrgID         uuid.UUID
	RetentionDays int
	// Cutoff is the creation time before which rows were deleted.
	Cutoff   time.Time
	Events   int64
	Findings int64
}

// NewRetention returns a retention job on pool.
func NewRetention(pool *pgxpool.Pool, opts RetentionOptions) *Retention {
	if opts.Interval <= 0 {
		opts.Interval = time.Hour
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	opts.Logger = opts.Logger.With().Str(logkey.Component, "retention").Logger()
	return &Retention{pool: pool, opts: opts}
}

// Run sweeps at once and then every Interval until ctx is cancelled. A
// failed sweep is logged and tried again at the next interval.
func (r *Retention) Run(ctx context.Context) {
	logger := r.opts.Logger
	logger.Info().Dur(logkey.Interval, r.opts.Interval).Msg("retention job started")
	ticker := time.NewTicker(r.opts.Interval)
	defer ticker.Stop()
	for {
		r.sweepAndLog(ctx)
		select {
		case <-ctx.Done():
			logger.Info().Msg("retention job stopped")
			return
		case <-ticker.C:
		}
	}
}

func (r *Retention) sweepAndLog(ctx context.Context) {
	swept, err := r.Sweep(ctx)
	switch {
	case errors.Is(err, ErrSweepInProgress):
		r.opts.Logger.Debug().Msg("retention sweep skipped: another process is sweeping")
	case err != nil && ctx.Err() == nil:
		r.opts.Logger.Error().Err(err).Msg("retention sweep failed")
	case err == nil:
		for _, s := range swept {
			if s.Events+s.Findings > 0 {
				r.opts.Logger.Info().Str(logkey.OrgID, s.OrgID.String()).Int64(logkey.Events, s.Events).
					Int64(logkey.Findings, s.Findings).Time(logkey.Cutoff, s.Cutoff).Msg("retention deleted old data")
			}
		}
	}
}

// Sweep runs one pass over every org with a retention policy and returns
// what it deleted per org. It returns ErrSweepInProgress when another
// process is sweeping.
func (r *Retention) Sweep(ctx context.Context) ([]OrgSweep, error) {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("retention sweep: %w", err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", retentionLockKey).Scan(&locked); err != nil {
		return nil, fmt.Errorf("retention sweep: take lock: %w", err)
	}
	if !locked {
		return nil, ErrSweepInProgress
	}
	defer r.unlock(conn)
	return r.sweepOrgs(ctx)
}

// unlock releases the sweep lock. When that fails the connection is closed,
// which releases the lock too.
func (r *Retention) unlock(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", retentionLockKey); err != nil {
		r.opts.Logger.Warn().Err(err).Msg("release retention lock failed: closing the connection")
		_ = conn.Conn().Close(ctx)
	}
}
