package githubapp

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// installationRepositoriesHandler keeps an installation's repositories
// current as the account adds them to or removes them from the App.
type installationRepositoriesHandler struct {
	deps *webhookDeps
}

type installationRepositoriesPayload struct {
	hookEvent
	RepositoriesAdded   []hookRepository `json:"repositories_added"`
	RepositoriesRemoved []hookRepository `json:"repositories_removed"`
}

func (h *installationRepositoriesHandler) Handles() []string {
	return []string{"installation_repositories"}
}

func (h *installationRepositoriesHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event installationRepositoriesPayload
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	return h.deps.process(ctx, event.delivery(eventType, deliveryID), func(ctx context.Context, tx pgx.Tx) (string, error) {
		if event.Action != "added" && event.Action != "removed" {
			return webhookResultIgnored, nil
		}
		change, ok := newInstallationChange(ctx, &event.hookEvent, deliveryID)
		if !ok {
			return webhookResultIgnored, nil
		}
		return change.repositories(ctx, tx, event.RepositoriesAdded, event.RepositoriesRemoved)
	})
}

// repositories adds and removes repositories of the installation, storing
// the installation first if it was missed.
func (c installationChange) repositories(ctx context.Context, tx pgx.Tx, added, removed []hookRepository) (string, error) {
	status := installationActive
	existing, err := findInstallation(ctx, tx, c.inst.ID)
	if err != nil {
		return "", err
	}
	if existing != nil {
		status = existing.Status
		if len(c.inst.Permissions) == 0 {
			c.inst.Permissions = existing.Permissions
		}
	}
	orgID, installationID, err := storeInstallation(ctx, tx, c.inst, status)
	if errors.Is(err, errLoginTaken) {
		return c.loginTaken(ctx, tx, err)
	}
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(added)+len(removed))
	for _, repo := range added {
		if _, err := upsertRepository(ctx, tx, orgID, installationID, repo.ref()); err != nil {
			return "", err
		}
		names = append(names, repo.FullName)
	}
	ids := make([]int64, 0, len(removed))
	for _, repo := range removed {
		ids = append(ids, repo.ID)
		names = append(names, repo.FullName)
	}
	if _, err := markRepositoriesRemoved(ctx, tx, installationID, ids); err != nil {
		return "", err
	}
	zerolog.Ctx(ctx).Info().Int(logkey.Count, len(names)).Msg("installation repositories changed")
	return webhookResultProcessed, c.audit(ctx, tx, orgID, "installation.repositories_"+c.action,
		map[string]any{"repositories": names})
}
