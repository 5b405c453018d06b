package bench

import (
	"slices"
	"time"
)

// Result is what one scenario measured.
type Result struct {
	// Name identifies the scenario, e.g. "snapshot 304".
	Name string
	// Requests counts the operations that finished, failed or not.
	Requests int
	// Errors counts the operations that failed.
	Errors int
	// FirstError is the first failure, for the report.
	FirstError error
	// Elapsed is the wall time from the first start to the last finish.
	Elapsed time.Duration
	// Latencies are the durations of the successful operations, sorted.
	Latencies []time.Duration
}

// PerSecond returns the successful operations per second of wall time.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// Percentile returns the latency at or below which a fraction q (0 to 1)
// of the successful operations finished, by the nearest-rank method.
func (r Result) Percentile(q float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	rank := int(q*float64(n)+0.999999) - 1
	return r.Latencies[max(0, min(rank, n-1))]
}

// finish sorts the latencies.
func (r *Result) finish() {
	slices.Sort(r.Latencies)
}

// merge combines runs of one scenario as if they had run back to back.
func merge(results ...Result) Result {
	out := Result{Name: results[0].Name}
	for _, r := range results {
		out.Requests += r.Requests
		out.Errors += r.Errors
		out.Elapsed += r.Elapsed
		out.Latencies = append(out.Latencies, r.Latencies...)
		if out.FirstError == nil {
			out.FirstError = r.FirstError
		}
	}
	out.finish()
	return out
}
