package queue_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/queue"
)

// ownPool opens a pool of the test's own on the same database, so that
// runners in parallel tests do not compete for connections.
func ownPool(t *testing.T, shared *pgxpool.Pool, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg := shared.Config()
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// testOptions are handler options that keep tests fast: short waits,
// one-second visibility timeouts and retries (pgmq counts in seconds).
func testOptions() queue.HandlerOptions {
	return queue.HandlerOptions{
		VisibilityTimeout: 5 * time.Second,
		RetryBaseDelay:    time.Second,
		RetryMaxDelay:     time.Second,
		PollWait:          time.Second,
		PollInterval:      20 * time.Millisecond,
	}
}

func testLogger(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
}

// runningRunner is a Runner started by startRunner.
type runningRunner struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// startRunner runs r until the test stops it or ends.
func startRunner(t *testing.T, r *queue.Runner) *runningRunner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rr := &runningRunner{cancel: cancel, done: make(chan error, 1)}
	go func() { rr.done <- r.Run(ctx) }()
	t.Cleanup(func() { rr.stop(t) })
	return rr
}

// stop cancels the runner's context and waits for Run to return.
func (rr *runningRunner) stop(t *testing.T) {
	t.Helper()
	rr.once.Do(func() {
		rr.cancel()
		select {
		case rr.err = <-rr.done:
		case <-time.After(time.Minute):
			t.Fatal("runner did not stop within a minute")
		}
	})
	require.NoError(t, rr.err)
}

// effectHandler writes one row per message into table and deletes the
// message in the same transaction, counting its calls in calls.
func effectHandler(pool *pgxpool.Pool, table string, calls *atomic.Int64) queue.Handler {
	return func(ctx context.Context, msg queue.Message) error {
		calls.Add(1)
		var body testBody
		if err := msg.Decode(&body); err != nil {
			return queue.Permanent(err)
		}
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO "+table+" (key, msg_id) VALUES ($1, $2)", body.Key, msg.ID); err != nil {
				return err
			}
			return queue.DeleteTx(ctx, tx, msg)
		})
	}
}

// newMetrics registers the Runner metrics and the queue collector on a
// registry of the test's own.
func newMetrics(t *testing.T, pool *pgxpool.Pool) (*queue.RunnerMetrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := queue.RegisterRunnerMetrics(reg)
	require.NoError(t, err)
	require.NoError(t, queue.RegisterQueueCollector(reg, pool, zerolog.Nop()))
	return m, reg
}

// metricValue returns the value of the counter or gauge name whose labels
// include want, or -1 when there is none. A histogram yields its count.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
		for _, m := range family.GetMetric() {
			if labelsMatch(m, want) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount())
				}
			}
		}
	}
	return -1
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	found := 0
	for _, label := range m.GetLabel() {
		if v, ok := want[label.GetName()]; ok && v == label.GetValue() {
			found++
		}
	}
	return found == len(want)
}

// readCount returns the read_ct of a message still in the queue.
func readCount(t *testing.T, pool *pgxpool.Pool, queueName string, msgID int64) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(),
		"SELECT read_ct FROM "+pgx.Identifier{"pgmq", "q_" + queueName}.Sanitize()+" WHERE msg_id = $1",
		msgID).Scan(&n)
	require.NoError(t, err)
	return n
}

func queueLength(t *testing.T, pool *pgxpool.Pool, queueName string) int64 {
	t.Helper()
	stats, err := queue.Metrics(context.Background(), pool, queueName)
	require.NoError(t, err)
	return stats.Length
}
