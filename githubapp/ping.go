package githubapp

import (
	"context"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// pingHandler answers the ping that GitHub sends when the webhook is
// created, and records it like any delivery.
type pingHandler struct {
	deps *webhookDeps
}

func (h *pingHandler) Handles() []string { return []string{"ping"} }

func (h *pingHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.PingEvent
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	dl := delivery{ID: deliveryID, Event: eventType, InstallationID: event.GetInstallation().GetID()}
	return h.deps.process(ctx, dl, func(ctx context.Context, _ pgx.Tx) (string, error) {
		zerolog.Ctx(ctx).Info().
			Int64(logkey.HookID, event.GetHookID()).
			Msg("webhook ping received")
		return webhookResultProcessed, nil
	})
}
