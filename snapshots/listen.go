package snapshots

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// Reconnect backoff of the listener.
const (
	minReconnectDelay = 500 * time.Millisecond
	maxReconnectDelay = 30 * time.Second
)

// Run keeps the cache current until ctx ends: it listens on NotifyChannel
// on a connection of its own and reloads on every notification, after each
// (re)connect and every ReloadInterval. A lost connection is retried with
// backoff, and Run returns nil when ctx ends.
func (c *Cache) Run(ctx context.Context) error {
	log := zerolog.Ctx(ctx).With().Str(logkey.Component, "snapshot_cache").Logger()
	ctx = log.WithContext(ctx)
	log.Info().Dur(logkey.Interval, c.opts.ReloadInterval).Msg("snapshot cache started")
	defer log.Info().Msg("snapshot cache stopped")

	delay := minReconnectDelay
	trigger := "start"
	for {
		connected, err := c.listen(ctx, trigger)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			delay = minReconnectDelay
		}
		log.Warn().Err(err).Dur(logkey.RetryIn, delay).Msg("snapshot listener disconnected")
		if !sleep(ctx, delay) {
			return nil
		}
		delay = min(2*delay, maxReconnectDelay)
		trigger = "reconnect"
	}
}

// listen connects, subscribes and reloads until the connection fails. It
// reports whether the subscription was established.
//
// NOTE: LISTEN needs a session of its own. Through a proxy that pools
// connections per transaction, such as PgBouncer in transaction mode, the
// notifications do not arrive and only the interval reload applies.
func (c *Cache) listen(ctx context.Context, trigger string) (bool, error) {
	conn, err := pgx.ConnectConfig(ctx, c.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("connect snapshot listener: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{NotifyChannel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen on %s: %w", NotifyChannel, err)
	}
	// Reload after LISTEN, so a snapshot published in between is either
	// read now or announced to this connection.
	var retry time.Duration
	wait := c.afterReload(c.reloadLogged(ctx, trigger), &retry)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, wait)
		n, err := conn.WaitForNotification(waitCtx)
		timedOut := waitCtx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case err == nil && n.Payload == c.ETag() && retry == 0:
			c.opts.Metrics.observeReload("notify", "unchanged")
		case err == nil:
			wait = c.afterReload(c.reloadLogged(ctx, "notify"), &retry)
		case timedOut && errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			trigger := "interval"
			if retry > 0 {
				trigger = "retry"
			}
			wait = c.afterReload(c.reloadLogged(ctx, trigger), &retry)
		default:
			return true, fmt.Errorf("wait for snapshot notification: %w", err)
		}
	}
}

// afterReload returns how long to wait for a notification: the reload
// interval after a success, else a retry delay that doubles from
// minReconnectDelay up to the interval.
func (c *Cache) afterReload(ok bool, retry *time.Duration) time.Duration {
	if ok {
		*retry = 0
		return c.opts.ReloadInterval
	}
	*retry = min(max(2**retry, minReconnectDelay), c.opts.ReloadInterval)
	return *retry
}

// reloadLogged reloads, records the outcome and reports whether it worked.
func (c *Cache) reloadLogged(ctx context.Context, trigger string) bool {
	log := zerolog.Ctx(ctx)
	changed, err := c.Reload(ctx)
	switch {
	case err != nil:
		c.opts.Metrics.observeReload(trigger, "failed")
		log.Error().Err(err).Str(logkey.Trigger, trigger).Str(logkey.ETag, c.ETag()).
			Msg("snapshot reload failed; serving the held snapshot")
		return false
	case changed:
		c.opts.Metrics.observeReload(trigger, "changed")
		log.Info().Str(logkey.Trigger, trigger).Str(logkey.ETag, c.ETag()).Msg("snapshot loaded")
	default:
		c.opts.Metrics.observeReload(trigger, "unchanged")
	}
	return true
}

// sleep waits for d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
