package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"
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
	results := NativeResults(10)
	load := Load{
		Requests: r.o.Requests, Duration: r.o.Duration, Rate: r.o.ChecksRate,
		// Enough workers that waiting for GitHub never holds back the pace.
		Concurrency: max(r.o.Concurrency, int(r.o.ChecksRate*2)),
	}
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
		return r.waitCompleted(ctx, commit)
	})
	r.report.Rows = append(r.report.Rows, Row{Ours: res, PeakRSS: stop()})
	return nil
}

// waitCompleted polls the fake GitHub until the commit's Check Run is
// completed and returns how long that took.
func (r *runner) waitCompleted(ctx context.Context, commit string) (time.Duration, error) {
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !r.t.Checks(commit) {
		if time.Since(start) > checksTimeout {
			return 0, fmt.Errorf("check run of commit %s not completed after %s", commit, checksTimeout)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
	return time.Since(start), nil
}
