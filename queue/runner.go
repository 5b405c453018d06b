package queue

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
)

// DB is the part of a connection pool that a Runner uses: queries and
// transactions. A *pgxpool.Pool implements it.
type DB interface {
	database.DBTX
	TxBeginner
}

// RunnerOptions configure a Runner. Zero fields take the defaults named on
// each field.
type RunnerOptions struct {
	// Logger receives the Runner's own log lines, and handlers get it,
	// with queue and message fields added, from their context.
	Logger zerolog.Logger
	// ShutdownGrace is how long handlers in hand may keep running after
	// Run's context is cancelled before their contexts are cancelled too.
	// Default 30s.
	ShutdownGrace time.Duration
	// Metrics, when not nil, counts outcomes and handler durations.
	Metrics *RunnerMetrics
}

// Runner consumes pgmq queues with registered handlers. Register every
// handler with Handle, then call Run once. Any number of Runners, in one
// process or many, may consume the same queue: pgmq's visibility timeout
// gives each message to one reader at a time.
type Runner struct {
	db   DB
	opts RunnerOptions

	mu        sync.Mutex
	consumers map[string]*consumer
	started   bool
}

// NewRunner returns a Runner that reads and acknowledges messages through
// db. Each queue holds one connection of db while it waits for messages,
// and each running handler uses at least one more, so db's pool needs
// room for the number of queues plus the sum of their concurrency.
func NewRunner(db DB, opts RunnerOptions) *Runner {
	setDefault(&opts.ShutdownGrace, 30*time.Second)
	return &Runner{db: db, opts: opts, consumers: make(map[string]*consumer)}
}

// Handle registers h for queueName. It returns an error for invalid
// options, a queue that already has a handler, or a Runner that is
// already running.
func (r *Runner) Handle(queueName string, h Handler, opts HandlerOptions) error {
	if h == nil {
		return fmt.Errorf("handler for queue %s is nil: pass a function", queueName)
	}
	if err := opts.validate(); err != nil {
		return fmt.Errorf("invalid handler options for queue %s: %w", queueName, err)
	}
	opts.applyDefaults()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return fmt.Errorf("register handler for queue %s: the runner is already running; register before Run", queueName)
	}
	if _, exists := r.consumers[queueName]; exists {
		return fmt.Errorf("register handler for queue %s: the queue already has a handler", queueName)
	}
	r.consumers[queueName] = &consumer{
		runner:  r,
		queue:   queueName,
		handler: h,
		opts:    opts,
		logger:  r.opts.Logger.With().Str(logkey.Queue, queueName).Logger(),
	}
	return nil
}

// Run consumes every registered queue until ctx is cancelled, then shuts
// down: it stops reading, releases messages that it read but did not hand
// to a handler, and waits for running handlers. Handlers still running
// after ShutdownGrace have their contexts cancelled; their messages
// reappear after their visibility timeout. Run returns nil after a clean
// shutdown, and an error when no handler is registered or Run was called
// before.
func (r *Runner) Run(ctx context.Context) error {
	consumers, err := r.start()
	if err != nil {
		return err
	}
	logger := r.opts.Logger.With().Str(logkey.Component, "queue-runner").Logger()
	logger.Info().Strs(logkey.Queues, queueNames(consumers)).Msg("queue runner started")

	// Handlers outlive ctx by the grace period, so their context is
	// detached from it and cancelled separately.
	handlerCtx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()

	var wg sync.WaitGroup
	for _, c := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, handlerCtx)
		}()
	}
	<-ctx.Done()
	logger.Info().Dur(logkey.Grace, r.opts.ShutdownGrace).Msg("queue runner stopping")
	r.waitForHandlers(&wg, cancelHandlers, logger)
	logger.Info().Msg("queue runner stopped")
	return nil
}

func (r *Runner) start() ([]*consumer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return nil, errors.New("queue runner is already running: call Run once")
	}
	if len(r.consumers) == 0 {
		return nil, errors.New("queue runner has no handlers: register one with Handle before Run")
	}
	r.started = true
	consumers := make([]*consumer, 0, len(r.consumers))
	for _, c := range r.consumers {
		consumers = append(consumers, c)
	}
	sort.Slice(consumers, func(i, j int) bool { return consumers[i].queue < consumers[j].queue })
	return consumers, nil
}

// waitForHandlers waits for the consumers to finish, cancelling handler
// contexts when the grace period ends. A handler that ignores its context
// is abandoned after a further abandonAfter so that shutdown completes.
func (r *Runner) waitForHandlers(wg *sync.WaitGroup, cancelHandlers context.CancelFunc, logger zerolog.Logger) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	grace := time.NewTimer(r.opts.ShutdownGrace)
	defer grace.Stop()
	select {
	case <-done:
		return
	case <-grace.C:
	}
	logger.Warn().Msg("shutdown grace period ended: cancelling running handlers")
	cancelHandlers()
	abandon := time.NewTimer(abandonAfter)
	defer abandon.Stop()
	select {
	case <-done:
	case <-abandon.C:
		logger.Error().Dur(logkey.Waited, abandonAfter).Msg("handlers ignored cancellation: abandoning them")
	}
}

// abandonAfter is how long Run waits for handlers after cancelling them.
const abandonAfter = 10 * time.Second

func queueNames(consumers []*consumer) []string {
	names := make([]string, len(consumers))
	for i, c := range consumers {
		names[i] = c.queue
	}
	return names
}
