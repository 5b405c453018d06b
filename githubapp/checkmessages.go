package githubapp

import (
	"context"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/queue"
)

// commitSHA matches a Git object id: SHA-1 (40 hex digits) or SHA-256 (64).
var commitSHA = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)

// Check message types that this package sends, next to the scanner API's
// queue.CheckRunRegistered and queue.CheckRunCompleted.
const (
	// CheckRequested creates the queued check run of a commit once, for a
	// pull_request, check_suite.requested or merge_group delivery.
	CheckRequested queue.CheckMessageType = "check_requested"
	// CheckRerequested creates a new check run for a commit, which becomes
	// the current one and completes from the latest results.
	CheckRerequested queue.CheckMessageType = "check_rerequested"
	// CheckTimedOut completes a stale check run as timed_out.
	CheckTimedOut queue.CheckMessageType = "check_timed_out"
)

// triggerInitial is the trigger of a commit's first check run, whichever
// of the webhooks or a scanner registration requests it first.
const triggerInitial = "initial"

// CheckMessage is the body of a message on the Checks queue. It extends
// queue.CheckMessage, whose fields it carries at the top level of the JSON,
// with the fields of webhook-triggered work.
type CheckMessage struct {
	queue.CheckMessage
	// DeliveryID is the webhook delivery that requested the work. A
	// rerequest's new check run is keyed by it.
	DeliveryID     string         `json:"delivery_id,omitempty"`
	InstallationID int64          `json:"installation_id,omitempty"`
	Repository     *RepositoryRef `json:"repository,omitempty"`
	HeadSHA        string         `json:"head_sha,omitempty"`
	// CheckID is our check_runs row, for CheckTimedOut.
	CheckID uuid.UUID `json:"check_id,omitempty"`
}

// trigger returns the check_runs trigger key of a webhook message.
func (m CheckMessage) trigger() string {
	if m.Type == CheckRerequested {
		return "rerequest:" + m.DeliveryID
	}
	return triggerInitial
}

// commitRequest is a webhook's request for a check run on a commit.
type commitRequest struct {
	Type           queue.CheckMessageType
	DeliveryID     string
	InstallationID int64
	Repository     RepositoryRef
	HeadSHA        string
}

// message returns the Checks queue message of req.
func (req commitRequest) message() CheckMessage {
	return CheckMessage{
		CheckMessage:   queue.CheckMessage{Type: req.Type},
		DeliveryID:     req.DeliveryID,
		InstallationID: req.InstallationID,
		Repository:     &req.Repository,
		HeadSHA:        req.HeadSHA,
	}
}

// checkMessage returns the message of a webhook's request for a check run
// on a commit, with the head SHA in lower case. It returns nil, and logs
// why, for a delivery without installation (a repository webhook rather
// than the App's) or without a repository or commit, which is recorded and
// ignored.
func (req commitRequest) checkMessage(ctx context.Context) *CheckMessage {
	logger := zerolog.Ctx(ctx)
	if req.InstallationID == 0 {
		logger.Info().Msg("delivery has no installation; no check run requested")
		return nil
	}
	req.HeadSHA = strings.ToLower(req.HeadSHA)
	repo := req.Repository
	if repo.ID == 0 || repo.Owner == "" || repo.Name == "" || !commitSHA.MatchString(req.HeadSHA) {
		logger.Warn().Str(logkey.HeadSHA, req.HeadSHA).
			Msg("delivery lacks a repository or head commit; no check run requested")
		return nil
	}
	msg := req.message()
	return &msg
}
