package githubapp

import (
	"context"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// checkRunHandler asks for a new check run when a user re-runs our check
// (rerequested) or presses its "Re-run" button (requested_action).
type checkRunHandler struct {
	deps *webhookDeps
}

func (h *checkRunHandler) Handles() []string { return []string{"check_run"} }

func (h *checkRunHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.CheckRunEvent
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
		case "rerequested":
		case "requested_action":
			if event.GetRequestedAction().Identifier != rerunActionID {
				return webhookResultIgnored, nil
			}
		default:
			return webhookResultIgnored, nil
		}
		if !h.ours(event.GetCheckRun()) {
			zerolog.Ctx(ctx).Info().Str(logkey.CheckName, event.GetCheckRun().GetName()).
				Msg("check run belongs to another app; ignored")
			return webhookResultIgnored, nil
		}
		return requestCheck(ctx, tx, commitRequest{
			Type:           CheckRerequested,
			DeliveryID:     deliveryID,
			InstallationID: dl.InstallationID,
			Repository:     repositoryRef(event.GetRepo()),
			HeadSHA:        event.GetCheckRun().GetHeadSHA(),
		})
	})
}

// ours reports whether a check run is CentralCloud's: by name, and by App
// id when the payload names the App.
func (h *checkRunHandler) ours(run *github.CheckRun) bool {
	if run.GetName() != CheckRunName {
		return false
	}
	appID := run.GetApp().GetID()
	return appID == 0 || h.deps.appID == 0 || appID == h.deps.appID
}
