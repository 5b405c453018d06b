package learning_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/learning"
	"github.com/centralcloud/centralcloud/queue"
)

// aggregateRow is one learning_pattern_aggregates row of a test's scanner.
type aggregateRow struct {
	Pattern    string
	Severity   string
	Language   string
	Version    string
	Findings   int64
	Suppressed int64
	Runs       int64
}

func aggregates(t *testing.T, pool *pgxpool.Pool, scanner string) []aggregateRow {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		`SELECT pattern_id, severity, language, scanner_version, finding_count, suppressed_count, run_count
		   FROM learning_pattern_aggregates WHERE scanner_name = $1
		  ORDER BY pattern_id, severity, language`, scanner)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[aggregateRow])
	require.NoError(t, err)
	return out
}

// deliver sends body to a queue of the test's own and reads it back, as
// the Runner would hand it to a handler.
func deliver(t *testing.T, pool *pgxpool.Pool, body any) queue.Message {
	t.Helper()
	ctx := context.Background()
	q := "t_" + randomHex(8)
	require.NoError(t, queue.Create(ctx, pool, q))
	_, err := queue.Send(ctx, pool, q, body)
	require.NoError(t, err)
	msgs, err := queue.Read(ctx, pool, q, 30*time.Second, 1)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	return msgs[0]
}

func handlerContext(t *testing.T) context.Context {
	return zerolog.New(zerolog.NewTestWriter(t)).WithContext(context.Background())
}

func TestHandleStoresOnlyAnonymisedInsights(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	tag := randomHex(4)
	login := "acmeorg" + tag
	repo := "secretproject" + tag
	scanner := "scanner-" + tag
	secretPath := "internal/" + repo + "/vault.go"
	message := "Hard-coded password of alice.smith in " + secretPath
	run := seed(t, pool, seedRun{
		login: login, repo: repo, scanner: scanner, version: "1.4.2", fingerprintTag: "fp" + tag,
		findings: []seedFinding{
			{pattern: "go/hardcoded-credentials", severity: "error", path: secretPath, message: message, language: "Go"},
			{pattern: "go/hardcoded-credentials", severity: "error", path: "cmd/main.go", message: message,
				language: "Go", suppressed: true},
			{pattern: "js/xss", severity: "warning", path: "web/app.js", message: "XSS via " + login, language: "JavaScript"},
			{pattern: "py/eval", severity: "note", path: "tools/x.py", message: message, language: "Visual Basic .NET"},
			{pattern: secretPath, severity: "error", path: secretPath, message: message},
			{pattern: "rule-for-" + repo, severity: "error", path: "a/b.go", message: message},
			{pattern: "has space " + tag, severity: "warning", path: "a/b.go", message: message},
			{pattern: "go/ignored-pass", severity: "note", path: "a/b.go", message: message, kind: "pass"},
		},
	})
	msg := deliver(t, pool, queue.LearningMessage{ServerRunID: run.runID, EventID: run.eventID})

	require.NoError(t, learning.NewHandler(pool).Handle(handlerContext(t), msg))

	require.Equal(t, []aggregateRow{
		{Pattern: "go/hardcoded-credentials", Severity: "error", Language: "go", Version: "1.4.2",
			Findings: 2, Suppressed: 1, Runs: 1},
		{Pattern: "js/xss", Severity: "warning", Language: "javascript", Version: "1.4.2", Findings: 1, Runs: 1},
		{Pattern: "py/eval", Severity: "note", Language: "other", Version: "1.4.2", Findings: 1, Runs: 1},
	}, aggregates(t, pool, scanner))

	rows, err := pool.Query(context.Background(),
		"SELECT row_to_json(a)::text FROM learning_pattern_aggregates a WHERE scanner_name = $1", scanner)
	require.NoError(t, err)
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	forbidden := []string{login, repo, "vault.go", "main.go", "app.js", "alice", "password", "XSS via",
		"fp" + tag, "has space", run.orgID.String(), run.runID.String(), run.eventID.String()}
	for _, row := range stored {
		for _, word := range forbidden {
			require.NotContains(t, strings.ToLower(row), strings.ToLower(word))
		}
	}

	deleted, err := queue.Delete(context.Background(), pool, msg.Queue, msg.ID)
	require.NoError(t, err)
	require.False(t, deleted, "the handler deleted the message with its effect")
}

func TestHandleIsIdempotentPerRun(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	tag := randomHex(4)
	scanner := "scanner-" + tag
	run := seed(t, pool, seedRun{
		login: "org" + tag, repo: "repo", scanner: scanner, version: "2.0.0",
		findings: []seedFinding{{pattern: "go/a", severity: "error", path: "x.go", message: "m"}},
	})
	body := queue.LearningMessage{ServerRunID: run.runID, EventID: run.eventID}
	h := learning.NewHandler(pool)

	require.NoError(t, h.Handle(handlerContext(t), deliver(t, pool, body)))
	require.NoError(t, h.Handle(handlerContext(t), deliver(t, pool, body)))

	require.Equal(t, []aggregateRow{
		{Pattern: "go/a", Severity: "error", Language: "", Version: "2.0.0", Findings: 1, Runs: 1},
	}, aggregates(t, pool, scanner))
}

func TestHandleConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	tag := randomHex(4)
	scanner := "scanner-" + tag
	run := seed(t, pool, seedRun{
		login: "org" + tag, repo: "repo", scanner: scanner, version: "1",
		findings: []seedFinding{{pattern: "go/a", severity: "warning", path: "x.go", message: "m"}},
	})
	body := queue.LearningMessage{ServerRunID: run.runID, EventID: run.eventID}
	h := learning.NewHandler(pool)
	msgs := []queue.Message{deliver(t, pool, body), deliver(t, pool, body), deliver(t, pool, body)}

	var wg sync.WaitGroup
	errs := make([]error, len(msgs))
	for i, msg := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = h.Handle(handlerContext(t), msg)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	rows := aggregates(t, pool, scanner)
	require.Len(t, rows, 1)
	require.Equal(t, int64(1), rows[0].Findings)
	require.Equal(t, int64(1), rows[0].Runs)
}

func TestAggregatesSumAcrossRuns(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	tag := randomHex(4)
	scanner := "scanner-" + tag
	spec := seedRun{
		login: "org" + tag, repo: "repo", scanner: scanner, version: "1",
		findings: []seedFinding{
			{pattern: "go/a", severity: "error", path: "x.go", message: "m", language: "go"},
			{pattern: "go/a", severity: "error", path: "y.go", message: "m", language: "go"},
		},
	}
	first := seed(t, pool, spec)
	second := first
	addRun(t, pool, &second, spec)
	h := learning.NewHandler(pool)
	for _, run := range []seeded{first, second} {
		msg := deliver(t, pool, queue.LearningMessage{ServerRunID: run.runID, EventID: run.eventID})
		require.NoError(t, h.Handle(handlerContext(t), msg))
	}
	require.Equal(t, []aggregateRow{
		{Pattern: "go/a", Severity: "error", Language: "go", Version: "1", Findings: 4, Runs: 2},
	}, aggregates(t, pool, scanner))
}

func TestApplySkips(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	findings := []seedFinding{{pattern: "go/a", severity: "error", path: "x.go", message: "m"}}
	cases := []struct {
		name string
		spec seedRun
		want string
	}{
		{"learning off", seedRun{learningOff: true, findings: findings}, learning.SkipLearningOff},
		{"not final", seedRun{notFinal: true, findings: findings}, learning.SkipNotFinal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tag := randomHex(4)
			c.spec.login, c.spec.repo, c.spec.scanner = "org"+tag, "repo", "scanner-"+tag
			run := seed(t, pool, c.spec)
			msg := deliver(t, pool, queue.LearningMessage{ServerRunID: run.runID, EventID: run.eventID})
			res, err := learning.Apply(context.Background(), pool, queue.LearningMessage{
				ServerRunID: run.runID, EventID: run.eventID,
			})
			require.NoError(t, err)
			require.Equal(t, c.want, res.Skipped)
			require.Empty(t, aggregates(t, pool, c.spec.scanner))

			require.NoError(t, learning.NewHandler(pool).Handle(handlerContext(t), msg))
			deleted, err := queue.Delete(context.Background(), pool, msg.Queue, msg.ID)
			require.NoError(t, err)
			require.False(t, deleted, "a skipped message is acknowledged")
		})
	}
}

func TestApplyMissingEvent(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	res, err := learning.Apply(context.Background(), pool, queue.LearningMessage{
		ServerRunID: [16]byte{1}, EventID: [16]byte{2},
	})
	require.NoError(t, err)
	require.Equal(t, learning.SkipEventNotFound, res.Skipped)
}

func TestHandleRejectsBadBody(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	h := learning.NewHandler(pool)
	err := h.Handle(handlerContext(t), deliver(t, pool, "not an object"))
	require.True(t, queue.IsPermanent(err), "got %v", err)
	err = h.Handle(handlerContext(t), deliver(t, pool, map[string]string{}))
	require.True(t, queue.IsPermanent(err), "got %v", err)
}
