package githubapp

import (
	"context"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5"
)

// checkSuiteHandler asks for a queued check run when GitHub creates a check
// suite for a push (requested), and for a new one when a user re-runs all
// checks (rerequested).
type checkSuiteHandler struct {
	deps *webhookDeps
}

func (h *checkSuiteHandler) Handles() []string { return []string{"check_suite"} }

func (h *checkSuiteHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.CheckSuiteEvent
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
		var kind = CheckRequested
		switch event.GetAction() {
		case "requested":
		case "rerequested":
			kind = CheckRerequested
		default:
			return webhookResultIgnored, nil
		}
		return requestCheck(ctx, tx, commitRequest{
			Type:           kind,
			DeliveryID:     deliveryID,
			InstallationID: dl.InstallationID,
			Repository:     repositoryRef(event.GetRepo()),
			HeadSHA:        event.GetCheckSuite().GetHeadSHA(),
		})
	})
}
