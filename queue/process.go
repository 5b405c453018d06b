package queue

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// bookkeepingTimeout bounds the Runner's own queue calls after a handler
// returns. They run even during shutdown, so they must not hang it.
const bookkeepingTimeout = 10 * time.Second

// process handles one message and records its outcome. ctx is cancelled
// only when the shutdown grace period ends.
func (c *consumer) process(ctx context.Context, msg Message) {
	logger := c.logger.With().Int64(logkey.MessageID, msg.ID).Int(logkey.ReadCount, msg.ReadCount).Logger()
	if msg.ReadCount > c.opts.MaxReads {
		// Earlier reads ended without an outcome: the worker crashed, or
		// its handler outlived the visibility timeout.
		err := fmt.Errorf("message was read %d times, more than the %d allowed, without its handler finishing",
			msg.ReadCount, c.opts.MaxReads)
		c.runner.opts.Metrics.observe(c.queue, c.deadLetter(ctx, msg, err, logger), 0)
		return
	}
	start := time.Now()
	err := c.call(ctx, msg, logger)
	took := time.Since(start)
	c.runner.opts.Metrics.observe(c.queue, c.finish(ctx, msg, err, logger), took)
}

// call runs the handler with a timeout, extending the message's visibility
// timeout while it runs, and turns a panic into a *PanicError.
func (c *consumer) call(ctx context.Context, msg Message, logger zerolog.Logger) (err error) {
	handlerCtx, cancel := context.WithTimeout(logger.WithContext(ctx), c.opts.Timeout)
	defer cancel()
	stopHeartbeat := c.startHeartbeat(handlerCtx, msg, logger)
	defer stopHeartbeat()
	defer func() {
		if value := recover(); value != nil {
			perr := &PanicError{Value: value, Stack: debug.Stack()}
			logger.Error().Str(logkey.Panic, fmt.Sprint(value)).Bytes(logkey.Stack, perr.Stack).
				Msg("handler panicked")
			c.runner.opts.Metrics.panicked(c.queue)
			err = perr
		}
	}()
	return c.handler(handlerCtx, msg)
}

// startHeartbeat moves the message's visibility timeout forward every half
// period until the returned function is called or ctx ends. It stops when
// the message is gone, which is how it notices a handler's DeleteTx.
func (c *consumer) startHeartbeat(ctx context.Context, msg Message, logger zerolog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(max(c.opts.VisibilityTimeout/2, 100*time.Millisecond))
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			_, err := SetVisibilityTimeout(ctx, c.runner.db, c.queue, msg.ID, c.opts.VisibilityTimeout)
			if errors.Is(err, ErrMessageNotFound) {
				return
			}
			if err != nil && ctx.Err() == nil {
				logger.Warn().Err(err).Msg("extend visibility timeout failed")
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// finish acknowledges, retries or dead-letters the message after its
// handler returned err, and returns the outcome.
func (c *consumer) finish(ctx context.Context, msg Message, err error, logger zerolog.Logger) string {
	switch {
	case err == nil:
		c.acknowledge(msg, logger)
		return OutcomeProcessed
	case ctx.Err() != nil:
		logger.Warn().Err(err).Msg("handler stopped by shutdown: message reappears after its visibility timeout")
		return OutcomeReleased
	case errors.Is(err, ErrMessageNotFound):
		logger.Info().Err(err).Msg("message already finished by another consumer")
		return OutcomeDuplicate
	case IsPermanent(err) || msg.ReadCount >= c.opts.MaxReads:
		return c.deadLetter(ctx, msg, err, logger)
	default:
		c.retry(msg, err, logger)
		return OutcomeRetried
	}
}

// acknowledge deletes a message whose handler succeeded, unless the
// handler did so itself.
func (c *consumer) acknowledge(msg Message, logger zerolog.Logger) {
	if msg.acked != nil && msg.acked.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), bookkeepingTimeout)
	defer cancel()
	deleted, err := Delete(ctx, c.runner.db, c.queue, msg.ID)
	if err != nil {
		logger.Error().Err(err).Msg("delete handled message failed: it will be handled again after its visibility timeout")
		return
	}
	if !deleted {
		logger.Info().Msg("handled message was already gone: another consumer finished it")
	}
}

// retry hides the message for the backoff of its read count, or longer
// when the error asks for a later retry.
func (c *consumer) retry(msg Message, cause error, logger zerolog.Logger) {
	delay := max(jitter(retryDelay(c.opts.RetryBaseDelay, c.opts.RetryMaxDelay, msg.ReadCount)), retryAfter(cause))
	logger.Warn().Err(cause).Dur(logkey.RetryIn, delay).Msg("handler failed: retrying")
	ctx, cancel := context.WithTimeout(context.Background(), bookkeepingTimeout)
	defer cancel()
	if _, err := SetVisibilityTimeout(ctx, c.runner.db, c.queue, msg.ID, delay); err != nil {
		logger.Error().Err(err).Msg("set retry delay failed: message reappears after its visibility timeout")
	}
}

// deadLetter archives the message with cause as its last error and returns
// the outcome. When that fails, the message reappears after its visibility
// timeout and the next read dead-letters it again.
func (c *consumer) deadLetter(ctx context.Context, msg Message, cause error, logger zerolog.Logger) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	err := pgx.BeginFunc(ctx, c.runner.db, func(tx pgx.Tx) error {
		return deadLetter(ctx, tx, msg, cause.Error())
	})
	if errors.Is(err, ErrMessageNotFound) {
		logger.Info().Err(cause).Msg("message to dead-letter was already finished by another consumer")
		return OutcomeDuplicate
	}
	if err != nil {
		logger.Error().Err(err).AnErr(logkey.Cause, cause).Msg("dead-letter message failed")
		return OutcomeRetried
	}
	logger.Error().Err(cause).Msg("message dead-lettered")
	return OutcomeDeadLettered
}
