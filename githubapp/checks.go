package githubapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/queue"
)

// CheckRunName is the name of CentralCloud's check run and the context of
// the commit status that replaces it.
const CheckRunName = "CentralCloud"

// How a check is published: as a check run, or as a commit status when
// the installation lacks the checks permission.
const (
	modeCheckRun     = "check_run"
	modeCommitStatus = "commit_status"
)

// ChecksHandler handles the messages of the Checks queue: it creates,
// starts and completes CentralCloud's check run of each commit on GitHub.
// Every message is idempotent: handling one twice has the effect of once.
type ChecksHandler struct {
	pool          *pgxpool.Pool
	clients       *Clients
	metrics       *Metrics
	publicURL     string
	defaultFailOn string
	checkDeadline time.Duration
	logger        zerolog.Logger
}

// HandleMessage handles one message body from the Checks queue. An error
// requests a retry, and one that implements RetryAfterError carries the
// delay that GitHub requested. A message about an org without a GitHub App
// installation is finished without calling GitHub.
func (h *ChecksHandler) HandleMessage(ctx context.Context, body []byte) error {
	var msg CheckMessage
	if err := json.Unmarshal(body, &msg); err != nil {
		h.logger.Error().Err(err).Msg("check message undecodable")
		return fmt.Errorf("decode check message: %w", err)
	}
	logger := h.logger.With().Str(logkey.MessageType, string(msg.Type)).Logger()
	if msg.DeliveryID != "" {
		logger = logger.With().Str(logkey.DeliveryID, msg.DeliveryID).Logger()
	}
	ctx = logger.WithContext(ctx)
	if h.clients == nil {
		logger.Info().Msg("GitHub App not configured; check message finished without effect")
		return nil
	}
	err := h.dispatch(ctx, msg)
	if tokenRequestRejected(err) {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("GitHub rejected a token request for the installation; check message finished without effect")
		return nil
	}
	if err != nil {
		event := zerolog.Ctx(ctx).Warn().Err(err)
		var retry RetryAfterError
		if errors.As(err, &retry) {
			event = event.Dur(logkey.RetryAfter, retry.RetryAfter())
		}
		event.Msg("check message failed; it will be retried")
	}
	return err
}

func (h *ChecksHandler) dispatch(ctx context.Context, msg CheckMessage) error {
	switch msg.Type {
	case queue.CheckRunRegistered:
		return h.runRegistered(ctx, msg)
	case queue.CheckRunCompleted:
		return h.runCompleted(ctx, msg)
	case CheckRequested, CheckRerequested:
		return h.commitRequested(ctx, msg)
	case CheckTimedOut:
		return h.timedOut(ctx, msg)
	}
	// A newer release may send types this one does not know; another
	// worker may handle it on a retry.
	return fmt.Errorf("unknown check message type %q", msg.Type)
}

// withTargetLogger returns ctx with a logger that names the commit.
func withTargetLogger(ctx context.Context, t *checkTarget) context.Context {
	c := zerolog.Ctx(ctx).With().
		Str(logkey.Repository, t.Repo.FullName()).
		Str(logkey.HeadSHA, t.HeadSHA)
	if t.Installation != nil {
		c = c.Int64(logkey.InstallationID, t.Installation.GitHubID)
	}
	logger := c.Logger()
	return logger.WithContext(ctx)
}

// failed records a GitHub error on the check run and returns the error to
// retry the message with. An error about missing permissions is returned
// as is, so that the caller falls back to a commit status.
func (h *ChecksHandler) failed(ctx context.Context, conn *pgxpool.Conn, rec *checkRecord, err error) error {
	if errors.Is(err, errNotAccessible) {
		return err
	}
	if recErr := recordCheckError(ctx, conn, rec, err); recErr != nil {
		zerolog.Ctx(ctx).Error().Err(recErr).Msg("record check run error failed")
	}
	return classifyGitHubError(err)
}
