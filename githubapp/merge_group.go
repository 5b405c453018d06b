package githubapp

import (
	"context"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5"
)

// mergeGroupHandler asks for a queued check run on a merge queue's
// temporary commit, so that required checks also gate merge queues.
type mergeGroupHandler struct {
	deps *webhookDeps
}

func (h *mergeGroupHandler) Handles() []string { return []string{"merge_group"} }

func (h *mergeGroupHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.MergeGroupEvent
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
		if event.GetAction() != "checks_requested" {
			return webhookResultIgnored, nil
		}
		return requestCheck(ctx, tx, commitRequest{
			Type:           CheckRequested,
			DeliveryID:     deliveryID,
			InstallationID: dl.InstallationID,
			Repository:     repositoryRef(event.GetRepo()),
			HeadSHA:        event.GetMergeGroup().GetHeadSHA(),
		})
	})
}
