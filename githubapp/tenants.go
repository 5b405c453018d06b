package githubapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// Installation statuses, as the installations table stores them.
const (
	installationActive    = "active"
	installationSuspended = "suspended"
	installationDeleted   = "deleted"
)

// errLoginTaken means an org of the account's login is already linked to
// another GitHub account (the login was renamed and reused).
var errLoginTaken = errors.New("org login is linked to another GitHub account")

// installationRecord is a row of the installations table.
type installationRecord struct {
	ID          uuid.UUID
	GitHubID    int64
	OrgID       uuid.UUID
	Status      string
	Permissions map[string]string
}

// linkOrg returns the org of a GitHub account: the one already linked to
// the account id, else the one of the same login (which it links), else a
// new one. created reports a new org; linked reports a new link.
func linkOrg(ctx context.Context, db database.DBTX, accountID int64, login string) (orgID uuid.UUID, created, linked bool, err error) {
	for range 3 {
		err = db.QueryRow(ctx, `SELECT id FROM orgs WHERE github_account_id = $1`, accountID).Scan(&orgID)
		if err == nil {
			return orgID, false, false, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, false, false, fmt.Errorf("find org of account %d: %w", accountID, err)
		}
		err = db.QueryRow(ctx, `UPDATE orgs SET github_account_id = $1
			WHERE lower(login) = lower($2) AND github_account_id IS NULL RETURNING id`,
			accountID, login).Scan(&orgID)
		if err == nil {
			return orgID, false, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, false, false, fmt.Errorf("link org %s: %w", login, err)
		}
		var taken bool
		if err = db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orgs WHERE lower(login) = lower($1))`,
			login).Scan(&taken); err != nil {
			return uuid.Nil, false, false, fmt.Errorf("find org %s: %w", login, err)
		}
		if taken {
			return uuid.Nil, false, false, fmt.Errorf("link org %s to account %d: %w", login, accountID, errLoginTaken)
		}
		err = db.QueryRow(ctx, `INSERT INTO orgs (login, github_account_id) VALUES ($1, $2)
			ON CONFLICT DO NOTHING RETURNING id`, login, accountID).Scan(&orgID)
		if err == nil {
			return orgID, true, false, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, false, false, fmt.Errorf("create org %s: %w", login, err)
		}
		// Another transaction created the org in between: look again.
	}
	return uuid.Nil, false, false, fmt.Errorf("link org %s to account %d: concurrent updates, retry the delivery", login, accountID)
}

// upsertInstallation stores an installation with the given status.
func upsertInstallation(ctx context.Context, db database.DBTX, inst *hookInstallation, orgID uuid.UUID, status string) (uuid.UUID, error) {
	perms := inst.Permissions
	if perms == nil {
		perms = map[string]string{}
	}
	encoded, err := json.Marshal(perms)
	if err != nil {
		return uuid.Nil, fmt.Errorf("encode permissions of installation %d: %w", inst.ID, err)
	}
	accountType := inst.Account.Type
	if accountType == "" {
		accountType = "Organization"
	}
	var id uuid.UUID
	err = db.QueryRow(ctx, `INSERT INTO installations
		(github_installation_id, org_id, account_login, account_type, status, permissions)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (github_installation_id) DO UPDATE SET
		  org_id = EXCLUDED.org_id, account_login = EXCLUDED.account_login,
		  account_type = EXCLUDED.account_type, status = EXCLUDED.status,
		  permissions = EXCLUDED.permissions, updated_at = now()
		RETURNING id`,
		inst.ID, orgID, inst.Account.Login, accountType, status, encoded).Scan(&id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store installation %d: %w", inst.ID, err)
	}
	return id, nil
}

// findInstallation returns the installation with a GitHub id, or nil.
func findInstallation(ctx context.Context, db database.DBTX, githubID int64) (*installationRecord, error) {
	rec := &installationRecord{GitHubID: githubID}
	var perms []byte
	err := db.QueryRow(ctx, `SELECT id, org_id, status, permissions FROM installations
		WHERE github_installation_id = $1`, githubID).Scan(&rec.ID, &rec.OrgID, &rec.Status, &perms)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find installation %d: %w", githubID, err)
	}
	if err := json.Unmarshal(perms, &rec.Permissions); err != nil {
		return nil, fmt.Errorf("decode permissions of installation %d: %w", githubID, err)
	}
	return rec, nil
}

// setInstallationStatus changes an installation's status and returns it,
// or nil when the installation is unknown.
func setInstallationStatus(ctx context.Context, db database.DBTX, githubID int64, status string) (*installationRecord, error) {
	tag, err := db.Exec(ctx, `UPDATE installations SET status = $2, updated_at = now()
		WHERE github_installation_id = $1`, githubID, status)
	if err != nil {
		return nil, fmt.Errorf("set installation %d %s: %w", githubID, status, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, nil
	}
	return findInstallation(ctx, db, githubID)
}

// setInstallationPermissions stores the permissions GitHub reports.
func setInstallationPermissions(ctx context.Context, db database.DBTX, githubID int64, perms map[string]string) error {
	encoded, err := json.Marshal(perms)
	if err != nil {
		return fmt.Errorf("encode permissions of installation %d: %w", githubID, err)
	}
	if _, err := db.Exec(ctx, `UPDATE installations SET permissions = $2, updated_at = now()
		WHERE github_installation_id = $1`, githubID, encoded); err != nil {
		return fmt.Errorf("store permissions of installation %d: %w", githubID, err)
	}
	return nil
}

// revokeOrgTokens revokes every live token of an org and returns how many.
func revokeOrgTokens(ctx context.Context, db database.DBTX, orgID uuid.UUID) (int64, error) {
	tag, err := db.Exec(ctx, `UPDATE org_tokens SET revoked_at = now()
		WHERE org_id = $1 AND revoked_at IS NULL`, orgID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of org %s: %w", orgID, err)
	}
	return tag.RowsAffected(), nil
}

// webhookActor names who caused a webhook: the sender's login, if any.
func webhookActor(sender *hookAccount) string {
	if sender != nil && strings.TrimSpace(sender.Login) != "" {
		return "github:" + strings.TrimSpace(sender.Login)
	}
	return "github"
}
