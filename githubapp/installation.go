package githubapp

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-github/v62/github"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

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

func (h *installationHandler) Handles() []string { return []string{"installation"} }

func (h *installationHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	var event github.InstallationEvent
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
			zerolog.Ctx(ctx).Warn().Msg("installation delivery lacks installation or account; ignored")
			return webhookResultIgnored, nil
		}
		change := installationChange{event: &event, deliveryID: deliveryID, actor: webhookActor(event.GetSender())}
		switch event.GetAction() {
		case "created":
			return change.created(ctx, tx)
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

// installationChange applies one installation delivery.
type installationChange struct {
	event      *github.InstallationEvent
	deliveryID string
	actor      string
}

func (c installationChange) created(ctx context.Context, tx pgx.Tx) (string, error) {
	inst := c.event.GetInstallation()
	orgID, installationID, err := c.store(ctx, tx, installationActive)
	if errors.Is(err, errLoginTaken) {
		return c.loginTaken(ctx, tx, err)
	}
	if err != nil {
		return "", err
	}
	for _, repo := range c.event.Repositories {
		if _, err := upsertRepository(ctx, tx, orgID, installationID, repositoryRef(repo)); err != nil {
			return "", err
		}
	}
	zerolog.Ctx(ctx).Info().Str(logkey.OrgLogin, inst.GetAccount().GetLogin()).
		Int(logkey.Count, len(c.event.Repositories)).Msg("installation created")
	return webhookResultProcessed, c.audit(ctx, tx, orgID, "installation.created",
		map[string]any{"repositories": len(c.event.Repositories)})
}

// setStatus stores the installation with a new status, or with its current
// one when status is empty. An installation missed so far is created.
func (c installationChange) setStatus(ctx context.Context, tx pgx.Tx, status string) (string, error) {
	inst := c.event.GetInstallation()
	if status == "" {
		status = installationActive
		existing, err := findInstallation(ctx, tx, inst.GetID())
		if err != nil {
			return "", err
		}
		if existing != nil && existing.Status != installationDeleted {
			status = existing.Status
		}
	}
	orgID, _, err := c.store(ctx, tx, status)
	if errors.Is(err, errLoginTaken) {
		return c.loginTaken(ctx, tx, err)
	}
	if err != nil {
		return "", err
	}
	zerolog.Ctx(ctx).Info().Str(logkey.Status, status).Msg("installation changed")
	return webhookResultProcessed, c.audit(ctx, tx, orgID, "installation."+c.event.GetAction(), nil)
}

// deleted marks the installation deleted and revokes the org's tokens.
func (c installationChange) deleted(ctx context.Context, tx pgx.Tx) (string, error) {
	inst := c.event.GetInstallation()
	var orgID uuid.UUID
	existing, err := findInstallation(ctx, tx, inst.GetID())
	if err != nil {
		return "", err
	}
	if existing != nil {
		orgID = existing.OrgID
		if _, err := setInstallationStatus(ctx, tx, inst.GetID(), installationDeleted); err != nil {
			return "", err
		}
	} else {
		err = tx.QueryRow(ctx, `SELECT id FROM orgs WHERE github_account_id = $1`,
			inst.GetAccount().GetID()).Scan(&orgID)
		if errors.Is(err, pgx.ErrNoRows) {
			zerolog.Ctx(ctx).Info().Msg("deleted installation was never stored; ignored")
			return webhookResultIgnored, nil
		}
		if err != nil {
			return "", fmt.Errorf("find org of account %d: %w", inst.GetAccount().GetID(), err)
		}
		if _, err := upsertInstallation(ctx, tx, inst, orgID, installationDeleted); err != nil {
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
		Details: map[string]any{"revoked": revoked, "installation_id": inst.GetID(), "delivery_id": c.deliveryID},
	})
}

// store links the account's org and stores the installation with status.
func (c installationChange) store(ctx context.Context, tx pgx.Tx, status string) (orgID, installationID uuid.UUID, err error) {
	inst := c.event.GetInstallation()
	orgID, created, linked, err := linkOrg(ctx, tx, inst.GetAccount().GetID(), inst.GetAccount().GetLogin())
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	if created || linked {
		zerolog.Ctx(ctx).Info().Str(logkey.OrgID, orgID.String()).Bool(logkey.OrgCreated, created).
			Msg("org linked to GitHub account")
	}
	installationID, err = upsertInstallation(ctx, tx, inst, orgID, status)
	return orgID, installationID, err
}

// loginTaken records an installation whose account login belongs to an org
// linked to another account. An operator must resolve it, so the delivery
// is answered 200 rather than retried.
func (c installationChange) loginTaken(ctx context.Context, tx pgx.Tx, cause error) (string, error) {
	zerolog.Ctx(ctx).Error().Err(cause).Msg("installation not stored; rename or remove the org of that login")
	return webhookResultIgnored, c.audit(ctx, tx, uuid.Nil, "installation.link_failed",
		map[string]any{"error": cause.Error()})
}

func (c installationChange) audit(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, action string, extra map[string]any) error {
	inst := c.event.GetInstallation()
	details := map[string]any{
		"installation_id": inst.GetID(),
		"account":         inst.GetAccount().GetLogin(),
		"account_id":      inst.GetAccount().GetID(),
		"delivery_id":     c.deliveryID,
	}
	for k, v := range extra {
		details[k] = v
	}
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
