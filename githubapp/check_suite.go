package githubapp

import (
	"context"
)

// checkSuiteHandler requests a queued check run when GitHub creates a check
// suite for a push (requested), and for a new one when a user re-runs all
// checks (rerequested).
type checkSuiteHandler struct {
	deps *webhookDeps
}

type checkSuitePayload struct {
	hookEvent
	CheckSuite struct {
		HeadSHA string `json:"head_sha"`
	} `json:"check_suite"`
}

func (h *checkSuiteHandler) Handles() []string { return []string{"check_suite"} }

func (h *checkSuiteHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event checkSuitePayload
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	dl := event.delivery(eventType, deliveryID)
	ctx = withDeliveryLogger(ctx, dl)
	kind := CheckRequested
	switch event.Action {
	case "requested":
	case "rerequested":
		kind = CheckRerequested
	default:
		return h.deps.processCheckRequest(ctx, dl, nil)
	}
	return h.deps.processCheckRequest(ctx, dl, &commitRequest{
		Type:           kind,
		DeliveryID:     deliveryID,
		InstallationID: event.installationID(),
		Repository:     event.repositoryRef(),
		HeadSHA:        event.CheckSuite.HeadSHA,
	})
}
