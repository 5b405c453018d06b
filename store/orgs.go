package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/database"
)

// Org is a tenant.
type Org struct {
	ID              uuid.UUID
	Login           string
	GitHubAccountID *int64
	CreatedAt       time.Time
	// InstallationStatus is active, suspended or deleted for an org with a
	// GitHub App installation, else empty.
	InstallationStatus string
}

const orgColumns = `o.id, o.login, o.github_account_id, o.created_at,
	coalesce((SELECT i.status FROM installations i WHERE i.org_id = o.id
	          ORDER BY (i.status = 'active') DESC, i.updated_at DESC LIMIT 1), '')`

func scanOrg(row interface{ Scan(...any) error }) (Org, error) {
	var o Org
	err := row.Scan(&o.ID, &o.Login, &o.GitHubAccountID, &o.CreatedAt, &o.InstallationStatus)
	return o, err
}

// CreateOrg creates the org with login, or returns the existing one (logins
// are case-insensitive) with created false.
func CreateOrg(ctx context.Context, db database.DBTX, login string) (Org, bool, error) {
	var id uuid.UUID
	err := db.QueryRow(ctx,
		`INSERT INTO orgs (login) VALUES ($1) ON CONFLICT ((lower(login))) DO NOTHING RETURNING id`,
		login).Scan(&id)
	created := err == nil
	if err != nil && notFound(err) != ErrNotFound {
		return Org{}, false, fmt.Errorf("create org %q: %w", login, err)
	}
	org, err := OrgByLogin(ctx, db, login)
	return org, created, err
}

// OrgByLogin finds an org by login, ignoring case.
func OrgByLogin(ctx context.Context, db database.DBTX, login string) (Org, error) {
	row := db.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs o WHERE lower(o.login) = lower($1)`, login)
	org, err := scanOrg(row)
	if err != nil {
		return Org{}, fmt.Errorf("org %q: %w", login, notFound(err))
	}
	return org, nil
}

// OrgByID finds an org by id.
func OrgByID(ctx context.Context, db database.DBTX, id uuid.UUID) (Org, error) {
	org, err := scanOrg(db.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs o WHERE o.id = $1`, id))
	if err != nil {
		return Org{}, fmt.Errorf("org %s: %w", id, notFound(err))
	}
	return org, nil
}

// ListOrgs returns every org in creation order.
func ListOrgs(ctx context.Context, db database.DBTX) ([]Org, error) {
	rows, err := db.Query(ctx, `SELECT `+orgColumns+` FROM orgs o ORDER BY o.id`)
	if err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	defer rows.Close()
	var orgs []Org
	for rows.Next() {
		org, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("list orgs: %w", err)
		}
		orgs = append(orgs, org)
	}
	return orgs, rows.Err()
}
