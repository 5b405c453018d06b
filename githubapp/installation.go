package githubapp

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/store"
)

// installationHandler keeps tenants current: an installation creates or
// links the org of its account, and its status and permissions follow the
// App's lifecycle on GitHub. A deleted installation revokes its org's
// tokens.
type installationHandler struct {
	deps *webhookDeps
}

type installationPayload struct {
	hookEvent
	Repositories []hookRepository `json:"repositories"`
}

func (h *installationHandler) Handles() []string { return []string{"installation"} }

func (h *installationHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event installationPayload
	if err := decodePayload(eventType, deliveryID, payload, &event); err != nil {
		return err
	}
	return h.deps.process(ctx, event.delivery(eventType, deliveryID), func(ctx context.Context, tx pgx.Tx) (string, error) {
		change, ok := newInstallationChange(ctx, &event.hookEvent, deliveryID)
		if !ok {
			return webhookResultIgnored, nil
		}
		switch event.Action {
		case "created":
			return change.created(ctx, tx, event.Repositories)
		case "deleted":
			return change.deleted(ctx, tx)
		case "suspend":
			return change.setStatus(ctx, tx, installationSuspended)
		case "unsuspend":
			return change.setStatus(ctx, tx, installationActive)
		case "new_permissions_accepted":
			return change.setStatus(ctx, tx, "")
		}
		return webhookResultIgnored, nil
	})
}

// installationChange applies one installation or installation_repositories
// delivery.
type installationChange struct {
	inst       *hookInstallation
	action     string
	deliveryID string
	actor      string
}

// newInstallationChange returns the change of a delivery, or false after
// logging when the payload lacks the installation or its account.
func newInstallationChange(ctx context.Context, event *hookEvent, deliveryID string) (installationChange, bool) {
	if event.Installation == nil || event.Installation.ID == 0 || event.Installation.Account.ID == 0 {
		zerolog.Ctx(ctx).Warn().Msg("delivery lacks the installation or its account; ignored")
		return installationChange{}, false
	}
	return installationChange{
		inst:       event.Installation,
		action:     event.Action,
		deliveryID: deliveryID,
		actor:      webhookActor(event.Sender),
	}, true
}

func (c installationChange) created(ctx context.Context, tx pgx.Tx, repos []hookRepository) (string, error) {
	orgID, installationID, err := storeInstallation(ctx, tx, c.inst, installationActive)
	if errors.Is(err, errLoginTaken) {
		return c.loginTaken(ctx, tx, err)
	}
	if err != nil {
		return "", err
	}
	for _, repo := range repos {
		if _, err := upsertRepository(ctx, tx, orgID, installationID, repo.ref()); err != nil {
			return "", err
		}
	}
	zerolog.Ctx(ctx).Info().Str(logkey.OrgLogin, c.inst.Account.Login).
		Int(logkey.Count, len(repos)).Msg("installation created")
	return webhookResultProcessed, c.audit(ctx, tx, orgID, "installation.created",
		map[string]any{"repositories": len(repos)})
}

// setStatus stores the installation with a new status, or with its current
// one when status is empty. An installation missed so far is created.
func (c installationChange) setStatus(ctx context.Context, tx pgx.Tx, status string) (string, error) {
	if status == "" {
		status = installationActive
		existing, err := findInstallation(ctx, tx, c.inst.ID)
		if err != nil {
			return "", err
		}
		if existing != nil && existing.Status != installationDeleted {
			status = existing.Status
		}
	}
	orgID, _, err := storeInstallation(ctx, tx, c.inst, status)
	if errors.Is(err, errLoginTaken) {
		return c.loginTaken(ctx, tx, err)
	}
	if err != nil {
		return "", err
	}
	zerolog.Ctx(ctx).Info().Str(logkey.Status, status).Msg("installation changed")
	return webhookResultProcessed, c.audit(ctx, tx, orgID, "installation."+c.action, nil)
}

// deleted marks the installation deleted and revokes the org's tokens.
func (c installationChange) deleted(ctx context.Context, tx pgx.Tx) (string, error) {
	var orgID uuid.UUID
	existing, err := findInstallation(ctx, tx, c.inst.ID)
	if err != nil {
		return "", err
	}
	if existing != nil {
		orgID = existing.OrgID
		if _, err := setInstallationStatus(ctx, tx, c.inst.ID, installationDeleted); err != nil {
			return "", err
		}
	} else {
		err = tx.QueryRow(ctx, `SELECT id FROM orgs WHERE github_account_id = $1`, c.inst.Account.ID).Scan(&orgID)
		if errors.Is(err, pgx.ErrNoRows) {
			zerolog.Ctx(ctx).Info().Msg("deleted installation was never stored; ignored")
			return webhookResultIgnored, nil
		}
		if err != nil {
			return "", fmt.Errorf("find org of account %d: %w", c.inst.Account.ID, err)
		}
		if _, err := upsertInstallation(ctx, tx, c.inst, orgID, installationDeleted); err != nil {
			return "", err
		}
	}
	revoked, err := revokeOrgTokens(ctx, tx, orgID)
	if err != nil {
		return "", err
	}
	zerolog.Ctx(ctx).Info().Int64(logkey.Count, revoked).Msg("installation deleted; org tokens revoked")
	if err := c.audit(ctx, tx, orgID, "installation.deleted", nil); err != nil {
		return "", err
	}
	return webhookResultProcessed, store.InsertAudit(ctx, tx, store.AuditEvent{
		OrgID:   &orgID,
		Actor:   c.actor,
		Action:  "org_tokens.revoked",
		Reason:  "GitHub App installation deleted",
		Details: map[string]any{"revoked": revoked, "installation_id": c.inst.ID, "delivery_id": c.deliveryID},
	})
}

// storeInstallation links the account's org and stores the installation.
func storeInstallation(ctx context.Context, db database.DBTX, inst *hookInstallation, status string) (orgID, installationID uuid.UUID, err error) {
	orgID, created, linked, err := linkOrg(ctx, db, inst.Account.ID, inst.Account.Login)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	if created || linked {
		zerolog.Ctx(ctx).Info().Str(logkey.OrgID, orgID.String()).Bool(logkey.OrgCreated, created).
			Msg("org linked to GitHub account")
	}
	installationID, err = upsertInstallation(ctx, db, inst, orgID, status)
	return orgID, installationID, err
}

// loginTaken records an installation whose account login belongs to an org
// linked to another account. An operator must resolve it, so the delivery
// gets 200 rather than a retry.
func (c installationChange) loginTaken(ctx context.Context, tx pgx.Tx, cause error) (string, error) {
	zerolog.Ctx(ctx).Error().Err(cause).Msg("installation not stored; rename or remove the org of that login")
	return webhookResultIgnored, c.audit(ctx, tx, uuid.Nil, "installation.link_failed",
		map[string]any{"error": cause.Error()})
}

func (c installationChange) audit(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, action string, extra map[string]any) error {
	details := map[string]any{
		"installation_id": c.inst.ID,
		"account":         c.inst.Account.Login,
		"account_id":      c.inst.Account.ID,
		"delivery_id":     c.deliveryID,
	}
	maps.Copy(details, extra)
	var org *uuid.UUID
	if orgID != uuid.Nil {
		org = &orgID
	}
	return store.InsertAudit(ctx, tx, store.AuditEvent{
		OrgID:   org,
		Actor:   c.actor,
		Action:  action,
		Reason:  "GitHub webhook",
		Details: details,
	})
}
