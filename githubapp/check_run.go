package githubapp

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// checkRunHandler requests a new check run when a user re-runs our check
// (rerequested) or presses its "Re-run" button (requested_action).
type checkRunHandler struct {
	deps *webhookDeps
}

type checkRunPayload struct {
	hookEvent
	CheckRun struct {
		Name    string `json:"name"`
		HeadSHA string `json:"head_sha"`
		App     struct {
			ID int64 `json:"id"`
		} `json:"app"`
	} `json:"check_run"`
	RequestedAction *struct {
		Identifier string `json:"identifier"`
	} `json:"requested_action"`
}

func (h *checkRunHandler) Handles() []string { return []string{"check_run"} }

func (h *checkRunHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event checkRunPayload
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	dl := event.delivery(eventType, deliveryID)
	ctx = withDeliveryLogger(ctx, dl)
	switch event.Action {
	case "rerequested":
	case "requested_action":
		if event.RequestedAction == nil || event.RequestedAction.Identifier != rerunActionID {
			return h.deps.processCheckRequest(ctx, dl, nil)
		}
	default:
		return h.deps.processCheckRequest(ctx, dl, nil)
	}
	if !h.ours(&event) {
		zerolog.Ctx(ctx).Info().Str(logkey.CheckName, event.CheckRun.Name).
			Msg("check run belongs to another app; ignored")
		return h.deps.processCheckRequest(ctx, dl, nil)
	}
	return h.deps.processCheckRequest(ctx, dl, &commitRequest{
		Type:           CheckRerequested,
		DeliveryID:     deliveryID,
		InstallationID: event.installationID(),
		Repository:     event.repositoryRef(),
		HeadSHA:        event.CheckRun.HeadSHA,
	})
}

// ours reports whether the event's check run is CentralCloud's: by name,
// and by App id when the payload names the App.
func (h *checkRunHandler) ours(event *checkRunPayload) bool {
	if event.CheckRun.Name != CheckRunName {
		return false
	}
	appID := event.CheckRun.App.ID
	return appID == 0 || h.deps.appID == 0 || appID == h.deps.appID
}
