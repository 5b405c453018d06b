package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/learning"
	"github.com/centralcloud/centralcloud/queue"
)

func TestQueueStatsListsQueues(t *testing.T) {
	r := cli(t, "queue", "stats")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "DEAD_LETTERS")
	for _, name := range []string{queue.Learning, queue.Checks, queue.PatternsSync} {
		require.Contains(t, r.stdout, name)
	}
}

// deadLetterIn creates a queue of the test's own with one dead letter, by
// running a handler that fails permanently.
func deadLetterIn(t *testing.T) (string, queue.DeadLetter) {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	q := "cli_" + hex.EncodeToString(b)
	require.NoError(t, queue.Create(ctx, pool, q))
	_, err := queue.Send(ctx, pool, q, map[string]string{"job": "poison"})
	require.NoError(t, err)

	r := queue.NewRunner(pool, queue.RunnerOptions{Logger: zerolog.Nop()})
	require.NoError(t, r.Handle(q, func(context.Context, queue.Message) error {
		return queue.Permanent(errors.New("cannot build\nthe check"))
	}, queue.HandlerOptions{PollWait: time.Second}))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	var letters []queue.DeadLetter
	require.Eventually(t, func() bool {
		letters, err = queue.ListDeadLetters(ctx, pool, queue.DeadLetterFilter{Queue: q})
		return err == nil && len(letters) == 1
	}, 30*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	return q, letters[0]
}

func TestQueueDeadAndRequeue(t *testing.T) {
	q, letter := deadLetterIn(t)

	dead := cli(t, "queue", "dead", "--queue", q)
	require.Equal(t, 0, dead.code, dead.stderr)
	require.Contains(t, dead.stdout, letter.ID.String())
	require.Contains(t, dead.stdout, "cannot build the check", "the error is printed on one line")

	asJSON := cli(t, "queue", "dead", "--queue", q, "--json")
	require.Equal(t, 0, asJSON.code, asJSON.stderr)
	var row map[string]any
	require.NoError(t, json.Unmarshal([]byte(asJSON.stdout), &row))
	require.Equal(t, map[string]any{"job": "poison"}, row["message"])
	require.Equal(t, "cannot build\nthe check", row["last_error"])

	requeue := cli(t, "queue", "requeue", letter.ID.String())
	require.Equal(t, 0, requeue.code, requeue.stderr)
	msgID, err := strconv.ParseInt(strings.TrimSpace(requeue.stdout), 10, 64)
	require.NoError(t, err, "requeue prints the new msg_id alone")
	msgs, err := queue.Read(context.Background(), dbtest.Pool(t), q, time.Second, 10)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, msgID, msgs[0].ID)
	require.JSONEq(t, `{"job":"poison"}`, string(msgs[0].Body))

	after := cli(t, "queue", "dead", "--queue", q)
	require.Equal(t, 0, after.code)
	require.NotContains(t, after.stdout, letter.ID.String())
	withAll := cli(t, "queue", "dead", "--queue", q, "--all")
	require.Contains(t, withAll.stdout, letter.ID.String())

	again := cli(t, "queue", "requeue", letter.ID.String())
	require.Equal(t, 1, again.code)
	require.Contains(t, again.stderr, "already requeued")
}

func TestQueueRequeueWholeQueue(t *testing.T) {
	q, _ := deadLetterIn(t)
	r := cli(t, "queue", "requeue", "--queue", q)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "requeued 1 dead letters")
	stats, err := queue.Metrics(context.Background(), dbtest.Pool(t), q)
	require.NoError(t, err)
	require.Equal(t, int64(1), stats.Length)
}

func TestQueueUsageErrors(t *testing.T) {
	cases := [][]string{
		{"queue"},
		{"queue", "requeue"},
		{"queue", "requeue", "not-a-uuid"},
		{"queue", "requeue", "--queue", "q", "0190c5a8-0000-7000-8000-000000000000"},
		{"queue", "dead", "--limit", "0"},
		{"queue", "stats", "extra"},
	}
	for _, args := range cases {
		r := cli(t, args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	}
}

func TestQueueWorkersRunAndStop(t *testing.T) {
	cfg := config.Default()
	app := &cliApp{cfg: cfg, logger: zerolog.Nop()}
	reg := prometheus.NewRegistry()
	svc := &service{app: app, pool: dbtest.Pool(t), registry: reg, gatherer: reg}
	var registered []string
	require.NoError(t, svc.addQueueWorkers(func(r *queue.Runner, _ *learning.Handler) error {
		registered = append(registered, queue.Checks)
		return r.Handle(queue.Checks, func(context.Context, queue.Message) error { return nil },
			queueHandlerOptions(cfg.Queue, cfg.Queue.ChecksConcurrency))
	}))
	require.Equal(t, []string{queue.Checks}, registered)
	require.Len(t, svc.background, 2, "the runner and the retention job")
	require.NoError(t, svc.registerQueueCollector())

	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, len(svc.background))
	for _, run := range svc.background {
		go func() { errs <- run(ctx) }()
	}
	families, err := svc.gatherer.Gather()
	require.NoError(t, err)
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	require.Contains(t, names, queue.MetricQueueLength)
	_, err = queue.RegisterRunnerMetrics(svc.registry)
	require.Error(t, err, "the runner metrics are already registered")
	cancel()
	for range svc.background {
		require.NoError(t, <-errs)
	}
}
