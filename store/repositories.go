package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/database"
)

// Repository is a repository of an org.
type Repository struct {
	ID           uuid.UUID
	OrgID        uuid.UUID
	Owner        string
	Name         string
	GitHubRepoID *int64
}

// EnsureRepository returns the org's repository with name, creating it on
// first use. githubRepoID, when known, is recorded. The common case, a
// repository that exists, costs one read and no write.
func EnsureRepository(ctx context.Context, db database.DBTX, orgID uuid.UUID, owner, name string, githubRepoID *int64) (Repository, error) {
	r := Repository{OrgID: orgID}
	err := db.QueryRow(ctx,
		`SELECT id, owner, name, github_repo_id FROM repositories WHERE org_id = $1 AND lower(name) = lower($2)`,
		orgID, name).Scan(&r.ID, &r.Owner, &r.Name, &r.GitHubRepoID)
	if err == nil && (githubRepoID == nil || r.GitHubRepoID != nil) {
		return r, nil
	}
	if err != nil && notFound(err) != ErrNotFound {
		return Repository{}, fmt.Errorf("find repository %s/%s: %w", owner, name, err)
	}
	err = db.QueryRow(ctx,
		`INSERT INTO repositories (org_id, owner, name, github_repo_id) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (org_id, (lower(name))) DO UPDATE
		   SET github_repo_id = coalesce(repositories.github_repo_id, EXCLUDED.github_repo_id)
		 RETURNING id, owner, name, github_repo_id`,
		orgID, owner, name, githubRepoID).Scan(&r.ID, &r.Owner, &r.Name, &r.GitHubRepoID)
	if err != nil {
		return Repository{}, fmt.Errorf("ensure repository %s/%s: %w", owner, name, err)
	}
	return r, nil
}
