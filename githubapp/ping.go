package githubapp

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// pingHandler handles the ping that GitHub sends when the webhook is
// created, and records it like any delivery.
type pingHandler struct {
	deps *webhookDeps
}

type pingPayload struct {
	hookEvent
	HookID int64 `json:"hook_id"`
}

func (h *pingHandler) Handles() []string { return []string{"ping"} }

func (h *pingHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event pingPayload
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	return h.deps.process(ctx, event.delivery(eventType, deliveryID), func(ctx context.Context, _ pgx.Tx) (string, error) {
		zerolog.Ctx(ctx).Info().Int64(logkey.HookID, event.HookID).Msg("webhook ping received")
		return webhookResultProcessed, nil
	})
}
