package githubapp

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// RepositoryRef identifies a GitHub repository.
type RepositoryRef struct {
	// ID is GitHub's repository id.
	ID    int64  `json:"id"`
	Owner string `json:"owner"`
	Name  string `json:"name"`
}

// FullName returns "owner/name".
func (r RepositoryRef) FullName() string {
	return r.Owner + "/" + r.Name
}

// upsertRepository stores a repository of an installation and returns its
// id. A repository that an org token created first (no GitHub id yet) is
// linked by name.
func upsertRepository(ctx context.Context, db database.DBTX, orgID, installationID uuid.UUID, repo RepositoryRef) (uuid.UUID, error) {
	var id uuid.UUID
	// Most calls find the row as it already is: every webhook's check
	// message stores its repository. Such a row needs no write, and no
	// other org's row can hold its GitHub id, which is unique.
	err := db.QueryRow(ctx, `SELECT id FROM repositories
		WHERE github_repo_id = $1 AND org_id = $2 AND owner = $3 AND name = $4
		  AND installation_id = $5 AND removed_at IS NULL`,
		repo.ID, orgID, repo.Owner, repo.Name, installationID).Scan(&id)
	if err == nil || !errors.Is(err, pgx.ErrNoRows) {
		return id, wrapRepoErr(repo, err)
	}
	for range 3 {
		// GitHub moves a repository id to another account on transfer. The
		// row of the former org keeps that org's runs, so it is detached
		// rather than handed over to the new org or its installation.
		if _, err := db.Exec(ctx, `UPDATE repositories
			SET github_repo_id = NULL, removed_at = coalesce(removed_at, now())
			WHERE github_repo_id = $1 AND org_id <> $2`, repo.ID, orgID); err != nil {
			return uuid.Nil, wrapRepoErr(repo, err)
		}
		err := db.QueryRow(ctx, `UPDATE repositories
			SET owner = $2, name = $3, installation_id = $4, removed_at = NULL
			WHERE github_repo_id = $1 AND org_id = $5 RETURNING id`,
			repo.ID, repo.Owner, repo.Name, installationID, orgID).Scan(&id)
		if err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return id, wrapRepoErr(repo, err)
		}
		err = db.QueryRow(ctx, `UPDATE repositories
			SET github_repo_id = $1, owner = $2, installation_id = $4, removed_at = NULL
			WHERE org_id = $5 AND lower(name) = lower($3) RETURNING id`,
			repo.ID, repo.Owner, repo.Name, installationID, orgID).Scan(&id)
		if err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return id, wrapRepoErr(repo, err)
		}
		err = db.QueryRow(ctx, `INSERT INTO repositories (org_id, owner, name, github_repo_id, installation_id)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
			orgID, repo.Owner, repo.Name, repo.ID, installationID).Scan(&id)
		if err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return id, wrapRepoErr(repo, err)
		}
		// Another transaction stored the repository in between: look again.
	}
	return uuid.Nil, fmt.Errorf("store repository %s: concurrent updates, retry", repo.FullName())
}

func wrapRepoErr(repo RepositoryRef, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store repository %s: %w", repo.FullName(), err)
}

// markRepositoriesRemoved records that repositories left an installation.
func markRepositoriesRemoved(ctx context.Context, db database.DBTX, installationID uuid.UUID, githubIDs []int64) (int64, error) {
	tag, err := db.Exec(ctx, `UPDATE repositories SET removed_at = now()
		WHERE installation_id = $1 AND github_repo_id = ANY($2) AND removed_at IS NULL`,
		installationID, githubIDs)
	if err != nil {
		return 0, fmt.Errorf("mark repositories removed: %w", err)
	}
	return tag.RowsAffected(), nil
}
