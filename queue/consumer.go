package queue

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// consumer runs one queue's handler inside a Runner.
type consumer struct {
	runner  *Runner
	queue   string
	handler Handler
	opts    HandlerOptions
	logger  zerolog.Logger
}

// Backoff after failed reads, for example while the database restarts.
const (
	readRetryBase = time.Second
	readRetryMax  = 30 * time.Second
)

// run reads messages until readCtx is done and hands each to one of
// Concurrency workers. It returns when every worker has finished.
func (c *consumer) run(readCtx, handlerCtx context.Context) {
	// idle holds one token per worker waiting for a message, so that the
	// consumer never reads more messages than it can start at once.
	idle := make(chan struct{}, c.opts.Concurrency)
	work := make(chan Message)
	var wg sync.WaitGroup
	for range c.opts.Concurrency {
		idle <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for msg := range work {
				c.process(handlerCtx, msg)
				idle <- struct{}{}
			}
		}()
	}
	c.fetch(readCtx, idle, work)
	close(work)
	wg.Wait()
}

// fetch waits for idle workers, reads as many messages as there are, and
// sends them to work, until ctx is done.
func (c *consumer) fetch(ctx context.Context, idle chan struct{}, work chan<- Message) {
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-idle:
		}
		// A worker may finish just as shutdown begins: stopping wins.
		if ctx.Err() != nil {
			return
		}
		n := 1 + takeAll(idle)
		msgs, err := ReadWithPoll(ctx, c.runner.db, c.queue, c.opts.VisibilityTimeout, n,
			PollOptions{MaxWait: c.opts.PollWait, Interval: c.opts.PollInterval})
		for range n - len(msgs) {
			idle <- struct{}{}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			delay := retryDelay(readRetryBase, readRetryMax, failures)
			c.logger.Error().Err(err).Int(logkey.Failures, failures).Dur(logkey.RetryIn, delay).
				Msg("queue read failed")
			if !sleepContext(ctx, delay) {
				return
			}
			continue
		}
		failures = 0
		if ctx.Err() != nil {
			// Shutdown began while the read was running: give these
			// messages back instead of starting them.
			c.release(msgs)
			return
		}
		for _, msg := range msgs {
			work <- msg
		}
	}
}

// takeAll removes every token from idle and returns how many it took.
func takeAll(idle chan struct{}) int {
	n := 0
	for {
		select {
		case <-idle:
			n++
		default:
			return n
		}
	}
}

// release makes messages that were read but never started visible at
// once, so that another worker takes them without waiting for their
// visibility timeout. A failure only delays them, so it is logged.
func (c *consumer) release(msgs []Message) {
	ctx, cancel := context.WithTimeout(context.Background(), bookkeepingTimeout)
	defer cancel()
	for _, msg := range msgs {
		if _, err := SetVisibilityTimeout(ctx, c.runner.db, c.queue, msg.ID, 0); err != nil {
			c.logger.Warn().Err(err).Int64(logkey.MessageID, msg.ID).
				Msg("release unstarted message failed: it reappears after its visibility timeout")
		}
	}
	if len(msgs) > 0 {
		c.logger.Info().Int(logkey.Count, len(msgs)).Msg("released unstarted messages on shutdown")
	}
}
