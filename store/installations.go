package store

import (
	"context"
	"fmt"

	"github.com/centralcloud/centralcloud/database"
)

// OrgForInstallation returns the org of a GitHub App installation. When no
// webhook has announced the installation yet, it records the
// installation for accountLogin, creating or linking the org of that login,
// so a missed installation webhook does not lock scanners out.
func OrgForInstallation(ctx context.Context, db database.DBTX, installationID int64, accountLogin string, accountID int64) (Org, error) {
	row := db.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs o
		JOIN installations i ON i.org_id = o.id WHERE i.github_installation_id = $1`, installationID)
	org, err := scanOrg(row)
	if err == nil {
		return org, nil
	}
	if notFound(err) != ErrNotFound {
		return Org{}, fmt.Errorf("org of installation %d: %w", installationID, err)
	}
	org, _, err = CreateOrg(ctx, db, accountLogin)
	if err != nil {
		return Org{}, err
	}
	_, err = db.Exec(ctx,
		`UPDATE orgs SET github_account_id = $2 WHERE id = $1 AND github_account_id IS NULL`, org.ID, accountID)
	if err != nil {
		return Org{}, fmt.Errorf("link org %q to account %d: %w", accountLogin, accountID, err)
	}
	_, err = db.Exec(ctx,
		`INSERT INTO installations (github_installation_id, org_id, account_login)
		 VALUES ($1, $2, $3) ON CONFLICT (github_installation_id) DO NOTHING`,
		installationID, org.ID, accountLogin)
	if err != nil {
		return Org{}, fmt.Errorf("record installation %d: %w", installationID, err)
	}
	return OrgByID(ctx, db, org.ID)
}
