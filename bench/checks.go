package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/centralcloud/centralcloud/queue"
)

// checksTimeout is how long one run may take to get its Check Run
// completed before it counts as failed.
const checksTimeout = 30 * time.Second

// checks measures the checks pipeline at a steady rate: each operation
// registers a run on a new commit, posts its final event, and waits until
// the commit's Check Run is completed on the fake GitHub. The latency is
// from the final event's response to the completed Check Run.
func (r *runner) checks(ctx context.Context) error {
	if r.t.Checks == nil || r.o.ChecksRate <= 0 {
		fmt.Fprintln(r.o.Out, "bench: no fake GitHub or no checks rate: checks pipeline skipped")
		return nil
	}
	if err := r.drainChecks(ctx); err != nil {
		return err
	}
	results := NativeResults(10)
	load := Load{
		Requests: r.o.Requests, Duration: r.o.Duration, Rate: r.o.ChecksRate,
		// Enough workers that waiting for GitHub never holds back the pace.
		Concurrency: max(r.o.Concurrency, int(r.o.ChecksRate*2)),
	}
	w := newWatcher(r.t.Checks)
	defer w.stop()
	name := fmt.Sprintf("checks pipeline at %.0f runs/s", r.o.ChecksRate)
	fmt.Fprintf(r.o.Out, "bench: %s\n", name)
	stop := peakRSS(r.t.RSS)
	res := DriveTimed(ctx, name, load, func(ctx context.Context, i int) (time.Duration, error) {
		commit := r.commitFor("checks", i)
		id, err := r.register(ctx, fmt.Sprintf("checks-%s-%d", r.nonce, i), commit, 1+i%50, http.StatusCreated)
		if err != nil {
			return 0, err
		}
		if _, err := r.postEvent(ctx, id, fmt.Sprintf("checks-%s-%d-final", r.nonce, i), results); err != nil {
			return 0, err
		}
		return w.wait(ctx, commit)
	})
	r.report.Rows = append(r.report.Rows, Row{Ours: res, PeakRSS: stop()})
	return nil
}

// drainChecks waits, untimed, until the checks queue is empty, so that the
// pipeline scenario does not wait behind earlier scenarios' work.
func (r *runner) drainChecks(ctx context.Context) error {
	if r.t.Pool == nil {
		return nil
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		stats, err := queue.Metrics(ctx, r.t.Pool, queue.Checks)
		if err != nil {
			return err
		}
		if stats.Length == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the checks queue still contains %d messages after 5 minutes: check the service log for failing checks workers", stats.Length)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// watcher polls the fake GitHub from one goroutine for the commits that
// operations wait on, so that polling costs the same however many wait.
type watcher struct {
	done    func(commit string) bool
	mu      sync.Mutex
	waiting map[string]chan struct{}
	quit    chan struct{}
}

func newWatcher(done func(string) bool) *watcher {
	w := &watcher{done: done, waiting: map[string]chan struct{}{}, quit: make(chan struct{})}
	go w.poll()
	return w
}

func (w *watcher) poll() {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-w.quit:
			return
		case <-tick.C:
		}
		w.mu.Lock()
		for commit, ch := range w.waiting {
			if w.done(commit) {
				close(ch)
				delete(w.waiting, commit)
			}
		}
		w.mu.Unlock()
	}
}

// wait returns how long the commit's Check Run took to complete.
func (w *watcher) wait(ctx context.Context, commit string) (time.Duration, error) {
	start := time.Now()
	ch := make(chan struct{})
	w.mu.Lock()
	w.waiting[commit] = ch
	w.mu.Unlock()
	select {
	case <-ch:
		return time.Since(start), nil
	case <-time.After(checksTimeout):
		return 0, fmt.Errorf("check run of commit %s not completed after %s", commit, checksTimeout)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (w *watcher) stop() { close(w.quit) }
