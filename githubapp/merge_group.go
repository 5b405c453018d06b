package githubapp

import (
	"context"
)

// mergeGroupHandler requests a queued check run on a merge queue's
// temporary commit, so that required checks also gate merge queues.
type mergeGroupHandler struct {
	deps *webhookDeps
}

type mergeGroupPayload struct {
	hookEvent
	MergeGroup struct {
		HeadSHA string `json:"head_sha"`
	} `json:"merge_group"`
}

func (h *mergeGroupHandler) Handles() []string { return []string{"merge_group"} }

func (h *mergeGroupHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event mergeGroupPayload
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	dl := event.delivery(eventType, deliveryID)
	ctx = withDeliveryLogger(ctx, dl)
	var req *commitRequest
	if event.Action == "checks_requested" {
		req = &commitRequest{
			Type:           CheckRequested,
			DeliveryID:     deliveryID,
			InstallationID: event.installationID(),
			Repository:     event.repositoryRef(),
			HeadSHA:        event.MergeGroup.HeadSHA,
		}
	}
	return h.deps.processCheckRequest(ctx, dl, req)
}
