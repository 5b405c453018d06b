package githubapp

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// pullRequestHandler requests a queued check run on a pull request's head
// commit when the pull request is opened, reopened or gets new commits.
type pullRequestHandler struct {
	deps *webhookDeps
}

type pullRequestPayload struct {
	hookEvent
	Number      int `json:"number"`
	PullRequest struct {
		Head struct {
			SHA string `json:"sha"`
		} `json:"head"`
	} `json:"pull_request"`
}

func (h *pullRequestHandler) Handles() []string { return []string{"pull_request"} }

func (h *pullRequestHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event pullRequestPayload
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	dl := event.delivery(eventType, deliveryID)
	ctx = withDeliveryLogger(ctx, dl)
	var req *commitRequest
	switch event.Action {
	case "opened", "synchronize", "reopened":
		zerolog.Ctx(ctx).Debug().Int(logkey.PullRequest, event.Number).Msg("pull request changed")
		req = &commitRequest{
			Type:           CheckRequested,
			DeliveryID:     deliveryID,
			InstallationID: event.installationID(),
			Repository:     event.repositoryRef(),
			HeadSHA:        event.PullRequest.Head.SHA,
		}
	}
	return h.deps.processCheckRequest(ctx, dl, req)
}
