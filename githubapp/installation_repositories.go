package githubapp

import (
	"context"
	"errors"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// installationRepositoriesHandler keeps an installation's repositories
// current as the account adds them to or removes them from the App.
type installationRepositoriesHandler struct {
	deps *webhookDeps
}

func (h *installationRepositoriesHandler) Handles() []string {
	return []string{"installation_repositories"}
}

func (h *installationRepositoriesHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.InstallationRepositoriesEvent
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	dl := delivery{
		ID:             deliveryID,
		Event:          eventType,
		Action:         event.GetAction(),
		InstallationID: event.GetInstallation().GetID(),
	}
	return h.deps.process(ctx, dl, func(ctx context.Context, tx pgx.Tx) (string, error) {
		inst := event.GetInstallation()
		if inst.GetID() == 0 || inst.GetAccount().GetID() == 0 {
			zerolog.Ctx(ctx).Warn().Msg("installation_repositories delivery lacks installation or account; ignored")
			return webhookResultIgnored, nil
		}
		if event.GetAction() != "added" && event.GetAction() != "removed" {
			return webhookResultIgnored, nil
		}
		change := installationChange{
			event:      &github.InstallationEvent{Action: event.Action, Installation: inst, Sender: event.Sender},
			deliveryID: deliveryID,
			actor:      webhookActor(event.GetSender()),
		}
		return change.repositories(ctx, tx, event.RepositoriesAdded, event.RepositoriesRemoved)
	})
}

// repositories adds and removes repositories of the installation, storing
// the installation first if it was missed.
func (c installationChange) repositories(ctx context.Context, tx pgx.Tx, added, removed []*github.Repository) (string, error) {
	inst := c.event.GetInstallation()
	status := installationActive
	existing, err := findInstallation(ctx, tx, inst.GetID())
	if err != nil {
		return "", err
	}
	if existing != nil {
		status = existing.Status
		// The installation object of this event carries no permissions.
		if inst.Permissions == nil {
			inst.Permissions = permissionsFromMap(existing.Permissions)
		}
	}
	orgID, installationID, err := c.store(ctx, tx, status)
	if errors.Is(err, errLoginTaken) {
		return c.loginTaken(ctx, tx, err)
	}
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(added)+len(removed))
	for _, repo := range added {
		if _, err := upsertRepository(ctx, tx, orgID, installationID, repositoryRef(repo)); err != nil {
			return "", err
		}
		names = append(names, repo.GetFullName())
	}
	ids := make([]int64, 0, len(removed))
	for _, repo := range removed {
		ids = append(ids, repo.GetID())
		names = append(names, repo.GetFullName())
	}
	if _, err := markRepositoriesRemoved(ctx, tx, installationID, ids); err != nil {
		return "", err
	}
	zerolog.Ctx(ctx).Info().Int(logkey.Count, len(names)).Msg("installation repositories changed")
	return webhookResultProcessed, c.audit(ctx, tx, orgID, "installation.repositories_"+c.event.GetAction(),
		map[string]any{"repositories": names})
}
