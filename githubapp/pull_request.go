package githubapp

import (
	"context"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// pullRequestHandler asks for a queued check run on a pull request's head
// commit when the pull request is opened, reopened or gets new commits.
type pullRequestHandler struct {
	deps *webhookDeps
}

func (h *pullRequestHandler) Handles() []string { return []string{"pull_request"} }

func (h *pullRequestHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.PullRequestEvent
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	dl := delivery{
		ID:             deliveryID,
		Event:          eventType,
		Action:         event.GetAction(),
		InstallationID: event.GetInstallation().GetID(),
		Repository:     event.GetRepo().GetFullName(),
	}
	return h.deps.process(ctx, dl, func(ctx context.Context, tx pgx.Tx) (string, error) {
		switch event.GetAction() {
		case "opened", "synchronize", "reopened":
		default:
			return webhookResultIgnored, nil
		}
		zerolog.Ctx(ctx).Debug().Int(logkey.PullRequest, event.GetNumber()).Msg("pull request changed")
		return requestCheck(ctx, tx, commitRequest{
			Type:           CheckRequested,
			DeliveryID:     deliveryID,
			InstallationID: dl.InstallationID,
			Repository:     repositoryRef(event.GetRepo()),
			HeadSHA:        event.GetPullRequest().GetHead().GetSHA(),
		})
	})
}
