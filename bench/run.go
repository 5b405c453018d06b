package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// runner holds what the scenarios of one run share.
type runner struct {
	t      Target
	o      Options
	c      *client
	nonce  string
	report Report
	// etag is the current snapshot's ETag, unquoted; snapshotBody and
	// snapshotHeader are its body and the request headers that fetched it.
	etag           string
	snapshotBody   []byte
	snapshotHeader http.Header
	// bare is a client of the bare handlers, started after fetchSnapshot.
	bare *client
	// workersStopped records that StopWorkers was called.
	workersStopped bool
	// orgID and repositoryID are the target's org and repository, for the
	// raw limits; prepareRuns sets them when the target has a pool.
	orgID, repositoryID uuid.UUID
}

// Run measures every scenario that the target allows, one after the other,
// and returns the report. Scenario failures are in the report's error
// counts; Run returns an error only when a scenario cannot be set up.
func Run(ctx context.Context, t Target, o Options) (Report, error) {
	o.Requests = max(1, o.Requests)
	o.Concurrency = max(1, o.Concurrency)
	if o.Out == nil {
		o.Out = io.Discard
	}
	r := &runner{t: t, o: o, c: newClient(t.URL, o.Concurrency), nonce: randomHex(4)}
	defer r.c.close()
	r.report.RSSNote = t.RSSNote
	if t.RSS != nil {
		idle, err := t.RSS()
		if err != nil {
			return Report{}, err
		}
		r.report.IdleRSS = idle
	}
	if err := r.fetchSnapshot(ctx); err != nil {
		return r.report, err
	}
	if err := r.prepareRuns(ctx); err != nil {
		return r.report, err
	}
	stopBare, err := r.startBare()
	if err != nil {
		return r.report, err
	}
	defer stopBare()
	if err := r.warmUp(ctx); err != nil {
		return r.report, err
	}
	steps := map[string]func(context.Context) error{
		"snapshot": r.snapshot, "checks": r.checks, "runs": r.runs, "events": r.events,
		"webhooks": r.webhooks, "queue": r.queue,
	}
	selected := func(group string) bool { return len(o.Only) == 0 || slices.Contains(o.Only, group) }
	checksPending := selected("checks")
	for _, group := range Groups {
		if !selected(group) {
			continue
		}
		if group == "checks" {
			checksPending = false
		} else if !checksPending {
			r.stopWorkers()
		}
		if err := steps[group](ctx); err != nil {
			return r.report, fmt.Errorf("%s scenario: %w", group, err)
		}
		if err := r.dropBackground(ctx, group); err != nil {
			return r.report, err
		}
	}
	return r.report, nil
}

// warmUpDuration is how long each side of the warm-up runs.
const warmUpDuration = 2 * time.Second

// warmUp sends untimed 304 snapshot requests to the service and to the
// bare handlers for warmUpDuration each, so that the first scenario does
// not pay for new connections, a cold token cache and a small heap.
func (r *runner) warmUp(ctx context.Context) error {
	fmt.Fprintln(r.o.Out, "bench: warm-up")
	header := r.snapshotHeader.Clone()
	header.Set("If-None-Match", wire.QuoteETag(r.etag))
	load := Load{Requests: r.o.Requests, Concurrency: r.o.Concurrency, Duration: min(r.o.Duration, warmUpDuration)}
	for _, c := range []*client{r.c, r.bare} {
		res := Drive(ctx, "warm-up", load, func(ctx context.Context, _ int) error {
			_, _, err := c.do(ctx, http.MethodGet, snapshotPath, nil, header, http.StatusNotModified)
			return err
		})
		if res.Errors > 0 {
			return fmt.Errorf("warm-up: %w", res.FirstError)
		}
	}
	return nil
}

// stopWorkers stops the target's workers the first time it is called.
func (r *runner) stopWorkers() {
	if r.t.StopWorkers == nil || r.workersStopped {
		return
	}
	fmt.Fprintln(r.o.Out, "bench: stopping the queue workers: the checks pipeline scenario is the one that needs them")
	r.t.StopWorkers()
	r.workersStopped = true
}

// dropBackground drops the messages that group left for the workers.
func (r *runner) dropBackground(ctx context.Context, group string) error {
	if r.t.DropBackground == nil {
		return nil
	}
	dropped, err := r.t.DropBackground(ctx)
	if err != nil {
		return fmt.Errorf("drop the messages that the %s group queued: %w", group, err)
	}
	if dropped > 0 {
		fmt.Fprintf(r.o.Out, "bench: dropped %d queued messages that the %s group left\n", dropped, group)
	}
	return nil
}

// Groups are the scenario groups in the order that Run measures them. The
// checks pipeline runs early, while the checks queue is empty. Every new
// run queues a check message, and the workers take minutes to work off the
// runs and events groups' tens of thousands, so those two go last.
var Groups = []string{"snapshot", "checks", "queue", "webhooks", "runs", "events"}

// LoadAverage returns the machine's one-minute load average from
// /proc/loadavg, or "" where there is none.
func LoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(string(data), " ")
	return first
}

// startBare starts the bare handlers with the fetched snapshot and points
// r.bare at them.
func (r *runner) startBare() (stop func(), err error) {
	start := r.t.StartBare
	if start == nil {
		start = StartBareInProcess
	}
	c := BareConfig{ETag: r.etag, SnapshotBody: r.snapshotBody, WebhookSecret: r.t.WebhookSecret,
		OrgID: r.orgID, RepositoryID: r.repositoryID}
	if r.t.Pool != nil {
		c.DatabaseURL = r.t.Pool.Config().ConnString()
	}
	url, stopServer, err := start(c)
	if err != nil {
		return nil, fmt.Errorf("start the bare handlers: %w", err)
	}
	r.bare = newClient(url, r.o.Concurrency)
	return func() {
		r.bare.close()
		stopServer()
	}, nil
}

// load is the options' load at full speed.
func (r *runner) load(requests int) Load {
	return Load{Requests: requests, Concurrency: r.o.Concurrency, Duration: r.o.Duration}
}

// abbaRounds is how many times measure runs ours, limit, limit, ours.
const abbaRounds = 4

// phaseLoad is the load of one of measure's 4 × abbaRounds phases.
func phaseLoad(load Load) Load {
	phase := load
	phase.Requests = max(1, load.Requests/(2*abbaRounds))
	phase.Duration = load.Duration / (2 * abbaRounds)
	return phase
}

// measuredOps is the most operations that measure runs for load, ours
// and the limit's together.
func measuredOps(load Load) int {
	return 4 * abbaRounds * phaseLoad(load).Requests
}

// measure runs ours and, when limit is set, the limit with the same load,
// and adds the row. With a limit, each gets its share of the requests in
// phases, in the order ours, limit, limit, ours, abbaRounds times, so that
// drift on a shared machine falls on both alike. Each side's operation
// numbers stay unique across its phases. Peak resident size is sampled
// while ours runs.
func (r *runner) measure(ctx context.Context, name string, load Load, ours Op, limitName string, limit Op) {
	fmt.Fprintf(r.o.Out, "bench: %s\n", name)
	if limit == nil {
		stop := peakRSS(r.t.RSS)
		row := Row{Ours: Drive(ctx, name, load, ours)}
		row.PeakRSS = stop()
		r.report.Rows = append(r.report.Rows, row)
		return
	}
	phase := phaseLoad(load)
	nth := func(op Op, k int) Op {
		return func(ctx context.Context, i int) error { return op(ctx, k*phase.Requests+i) }
	}
	var oursResults, limitResults []Result
	var peak int64
	for round := range abbaRounds {
		for k, isOurs := range []bool{true, false, false, true} {
			k += 2 * round
			if !isOurs {
				limitResults = append(limitResults, Drive(ctx, name+" (limit)", phase, nth(limit, k)))
				continue
			}
			stop := peakRSS(r.t.RSS)
			oursResults = append(oursResults, Drive(ctx, name, phase, nth(ours, k)))
			peak = max(peak, stop())
		}
	}
	lim := merge(limitResults...)
	r.report.Rows = append(r.report.Rows, Row{
		Ours: merge(oursResults...), Limit: &lim, LimitName: limitName, PeakRSS: peak,
	})
}

// authHeader returns the scanner API's headers.
func (r *runner) authHeader() http.Header {
	return http.Header{"Authorization": {"Bearer " + r.t.Token}, "Content-Type": {"application/json"}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// commitFor returns a 40-hex-digit commit SHA unique to the run, key and i.
func (r *runner) commitFor(key string, i int) string {
	sum := sha1.Sum(fmt.Appendf(nil, "%s/%s/%d", r.nonce, key, i))
	return hex.EncodeToString(sum[:])
}
