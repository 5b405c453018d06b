package bench

import (
	"context"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Target is the service under load and what the tool knows about it.
type Target struct {
	// URL is the service's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// Token is an org token of Owner.
	Token string
	// Owner is the org's login; runs are registered for Owner/Repo.
	Owner string
	Repo  string
	// Pool reaches the service's database, for the raw limits. Without it
	// the runs and queue limits are skipped.
	Pool *pgxpool.Pool
	// WebhookSecret signs webhook deliveries. Without it the webhook
	// scenario is skipped.
	WebhookSecret string
	// Webhook is the pull_request.synchronize payload to deliver.
	Webhook []byte
	// Checks, when set, reports whether the Check Run of a commit is
	// completed on the fake GitHub; it enables the checks pipeline scenario.
	Checks func(commit string) bool
	// RSS, when set, returns the resident size of the service in bytes.
	RSS func() (int64, error)
	// RSSNote says whose resident size RSS reports.
	RSSNote string
	// StartBare starts the bare handlers that the HTTP scenarios are
	// compared with and returns their base URL. A service in a process of
	// its own should be compared with handlers in a process of their own.
	// Nil serves them in this process.
	StartBare func(BareConfig) (url string, stop func(), err error)
	// DropBackground, when set, runs between scenario groups and drops the
	// work that the group left queued for the workers, so that working it
	// off does not load the next group. It returns how many messages it
	// dropped. Set it only for a service that the bench owns.
	DropBackground func(ctx context.Context) (int64, error)
	// StopWorkers, when set, stops the service's queue workers once the
	// checks pipeline scenario is done, or before the first scenario when
	// that one is left out. The other scenarios compare a request path
	// with a limit that queues nothing. On a machine that runs the workers
	// on the same cores, their GitHub calls and writes for the messages
	// that ours queued would load only our side. Set it only for workers
	// that the bench owns.
	StopWorkers func()
}

// Options bounds the run.
type Options struct {
	// Requests is the most operations per scenario; the SARIF scenario
	// sends a tenth of it, at least one.
	Requests int
	// Concurrency is the number of client goroutines.
	Concurrency int
	// Duration is the most wall time per scenario.
	Duration time.Duration
	// WebhookRate is the paced delivery rate of the second webhook
	// scenario, per second; 0 skips it.
	WebhookRate float64
	// ChecksRate is the run rate of the checks pipeline scenario, per
	// second; 0 skips it.
	ChecksRate float64
	// Only, when not empty, names the scenario groups to run, of Groups.
	Only []string
	// Out receives progress lines.
	Out io.Writer
}
