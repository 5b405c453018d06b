package bench

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	r := Result{}
	for i := 1; i <= 1000; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 500*time.Millisecond, r.Percentile(0.50))
	require.Equal(t, 990*time.Millisecond, r.Percentile(0.99))
	require.Equal(t, 999*time.Millisecond, r.Percentile(0.999))
	require.Equal(t, time.Duration(0), Result{}.Percentile(0.99))
}

func TestDriveCountsRequestsAndErrors(t *testing.T) {
	t.Parallel()
	fail := errors.New("odd")
	res := Drive(context.Background(), "n", Load{Requests: 10, Concurrency: 3, Duration: time.Minute},
		func(_ context.Context, i int) error {
			if i%2 == 1 {
				return fail
			}
			return nil
		})
	require.Equal(t, 10, res.Requests)
	require.Equal(t, 5, res.Errors)
	require.ErrorIs(t, res.FirstError, fail)
	require.Len(t, res.Latencies, 5)
}

func TestDriveStopsAtDuration(t *testing.T) {
	t.Parallel()
	res := Drive(context.Background(), "n", Load{Requests: 1 << 30, Concurrency: 2, Duration: 50 * time.Millisecond},
		func(ctx context.Context, _ int) error { return nil })
	require.Less(t, res.Requests, 1<<30)
	require.Zero(t, res.Errors)
}

func TestGeneratedPayloadSizes(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(SARIFLog(1<<20)), 1<<20)
	require.Less(t, len(SARIFLog(1<<20)), (1<<20)+4096)
	require.GreaterOrEqual(t, len(PatternBundle(256<<10)), 256<<10)
}

func TestDriveKeepsRate(t *testing.T) {
	t.Parallel()
	res := Drive(context.Background(), "n", Load{Requests: 20, Concurrency: 4, Duration: time.Minute, Rate: 200},
		func(context.Context, int) error { return nil })
	require.Equal(t, 20, res.Requests)
	// Operation 19 starts no earlier than 19/200 s after the first.
	require.GreaterOrEqual(t, res.Elapsed, 95*time.Millisecond)
}

func TestProcessRSSReadsOwnProcess(t *testing.T) {
	t.Parallel()
	rss, err := ProcessRSS(os.Getpid())()
	require.NoError(t, err)
	require.Positive(t, rss)
	_, err = ProcessRSS(-5)()
	require.Error(t, err)
}

func TestMergeCombinesPhases(t *testing.T) {
	t.Parallel()
	first := Result{Name: "a", Requests: 3, Errors: 1, Elapsed: time.Second, Latencies: []time.Duration{5, 9}}
	failed := Result{Name: "a", Requests: 1, Errors: 1, FirstError: errors.New("second"), Elapsed: time.Second}
	last := Result{Name: "a", Requests: 2, Elapsed: 2 * time.Second, Latencies: []time.Duration{1, 7}}
	m := merge(first, failed, last)
	require.Equal(t, 6, m.Requests)
	require.Equal(t, 2, m.Errors)
	require.Equal(t, 4*time.Second, m.Elapsed)
	require.Equal(t, []time.Duration{1, 5, 7, 9}, m.Latencies)
	require.EqualError(t, m.FirstError, "second")
	require.InDelta(t, 1.0, m.PerSecond(), 1e-9)
}

func TestMeasuredOpsCoversEveryPhase(t *testing.T) {
	t.Parallel()
	require.Equal(t, 16, measuredOps(Load{Requests: 4}), "a phase runs at least one operation")
	require.Equal(t, 40000, measuredOps(Load{Requests: 20000}))
	require.Equal(t, time.Second, phaseLoad(Load{Requests: 8, Duration: 8 * time.Second}).Duration)
}
