package githubapp

import (
	"crypto/sha256"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (e *testEnv) installationStatus() string {
	e.t.Helper()
	var status string
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT status FROM installations WHERE github_installation_id = $1`,
		e.tenant.InstallationID).Scan(&status))
	return status
}

func TestInstallationLinksExistingOrg(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	// `centralcloud orgs create` made the org first; logins ignore case.
	var orgID uuid.UUID
	require.NoError(t, e.pool.QueryRow(e.ctx, `INSERT INTO orgs (login) VALUES (upper($1)) RETURNING id`,
		e.tenant.Account.Login).Scan(&orgID))
	e.install()

	var linkedID uuid.UUID
	var accountID int64
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT o.id, o.github_account_id FROM installations i
		JOIN orgs o ON o.id = i.org_id WHERE i.github_installation_id = $1`, e.tenant.InstallationID).
		Scan(&linkedID, &accountID))
	assert.Equal(t, orgID, linkedID)
	assert.Equal(t, e.tenant.Account.ID, accountID)
}

func TestInstallationStatusChanges(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, step := range []struct{ file, status string }{
		{"installation/suspend.json", installationSuspended},
		{"installation/new_permissions_accepted.json", installationSuspended},
		{"installation/unsuspend.json", installationActive},
	} {
		payload := e.payload(step.file, e.patchInstallation)
		require.Equal(t, http.StatusOK, e.deliver("installation", payload, uuid.NewString()).StatusCode, step.file)
		assert.Equal(t, step.status, e.installationStatus(), step.file)
	}
	assert.Equal(t, 1, e.auditCount("installation.suspend"))
	assert.Equal(t, 1, e.auditCount("installation.unsuspend"))
	assert.Equal(t, 1, e.auditCount("installation.new_permissions_accepted"))
}

func TestNewPermissionsStored(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.permissions = map[string]string{"statuses": "write"} })
	e.permissions = fullPermissions
	payload := e.payload("installation/new_permissions_accepted.json", e.patchInstallation)
	require.Equal(t, http.StatusOK, e.deliver("installation", payload, uuid.NewString()).StatusCode)
	var perms map[string]string
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT permissions FROM installations WHERE github_installation_id = $1`,
		e.tenant.InstallationID).Scan(&perms))
	assert.Equal(t, "write", perms["checks"])
}

func TestInstallationDeletedRevokesTokens(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, orgID := e.repositoryID()
	for _, name := range []string{"ci", "laptop"} {
		hash := sha256.Sum256([]byte(uuid.NewString()))
		_, err := e.pool.Exec(e.ctx, `INSERT INTO org_tokens (org_id, name, token_hash) VALUES ($1, $2, $3)`,
			orgID, name, hash[:])
		require.NoError(t, err)
	}
	payload := e.payload("installation/deleted.json", e.patchInstallation)
	require.Equal(t, http.StatusOK, e.deliver("installation", payload, uuid.NewString()).StatusCode)

	assert.Equal(t, installationDeleted, e.installationStatus())
	var live, revoked int
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT count(*) FILTER (WHERE revoked_at IS NULL),
		count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM org_tokens WHERE org_id = $1`, orgID).Scan(&live, &revoked))
	assert.Zero(t, live)
	assert.Equal(t, 2, revoked)
	assert.Equal(t, 1, e.auditCount("installation.deleted"))
	var revokedAudit float64
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT (details->>'revoked')::float FROM audit_events
		WHERE org_id = $1 AND action = 'org_tokens.revoked'`, orgID).Scan(&revokedAudit))
	assert.Equal(t, 2.0, revokedAudit)

	// Checks stop for a deleted installation.
	runID := e.registerRun(newSHA())
	require.NoError(t, e.handle(registeredMessage(runID)))
	assert.Empty(t, e.fake.AllCheckRuns())
}

func TestInstallationRepositoriesAddedAndRemoved(t *testing.T) {
	t.Parallel()
	e := setup(t)
	added := e.payload("installation_repositories/added.json", func(p map[string]any) {
		e.patchInstallation(p)
		p["repositories_added"] = []any{map[string]any{
			"id": e.tenant.Repo.ID + 500_000, "name": "Space", "full_name": e.tenant.Account.Login + "/Space",
		}}
	})
	require.Equal(t, http.StatusOK, e.deliver("installation_repositories", added, uuid.NewString()).StatusCode)
	var owner string
	var removed *string
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT owner, removed_at::text FROM repositories WHERE github_repo_id = $1`,
		e.tenant.Repo.ID+500_000).Scan(&owner, &removed))
	assert.Equal(t, e.tenant.Account.Login, owner)
	assert.Nil(t, removed)

	removal := e.payload("installation_repositories/removed.json", func(p map[string]any) {
		e.patchInstallation(p)
		p["repositories_removed"] = []any{map[string]any{
			"id": e.tenant.Repo.ID + 500_000, "name": "Space", "full_name": e.tenant.Account.Login + "/Space",
		}}
	})
	require.Equal(t, http.StatusOK, e.deliver("installation_repositories", removal, uuid.NewString()).StatusCode)
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT removed_at::text FROM repositories WHERE github_repo_id = $1`,
		e.tenant.Repo.ID+500_000).Scan(&removed))
	assert.NotNil(t, removed)
	assert.Equal(t, 1, e.auditCount("installation.repositories_added"))
	assert.Equal(t, 1, e.auditCount("installation.repositories_removed"))
}

// Every webhook's check message stores its repository, so storing a
// repository as it already is must not write a new row version.
func TestUpsertRepositoryUnchangedWritesNothing(t *testing.T) {
	t.Parallel()
	e := setup(t)
	repoID, orgID := e.repositoryID()
	var installationID uuid.UUID
	var before string
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT installation_id, xmin::text FROM repositories WHERE id = $1`,
		repoID).Scan(&installationID, &before))

	repo := RepositoryRef{ID: e.tenant.Repo.ID, Owner: e.tenant.Repo.Owner, Name: e.tenant.Repo.Name}
	again, err := upsertRepository(e.ctx, e.pool, orgID, installationID, repo)
	require.NoError(t, err)
	assert.Equal(t, repoID, again)
	var after string
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT xmin::text FROM repositories WHERE id = $1`, repoID).Scan(&after))
	assert.Equal(t, before, after, "an unchanged repository was rewritten")

	renamed := repo
	renamed.Name += "-renamed"
	same, err := upsertRepository(e.ctx, e.pool, orgID, installationID, renamed)
	require.NoError(t, err)
	assert.Equal(t, repoID, same)
	var name string
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT name FROM repositories WHERE id = $1`, repoID).Scan(&name))
	assert.Equal(t, renamed.Name, name)
}

func TestOrgTokenRepositoryLinkedByName(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	// An org token registered a run before the App was installed, so the
	// repository row has no GitHub id yet.
	var orgID, repoID uuid.UUID
	require.NoError(t, e.pool.QueryRow(e.ctx, `INSERT INTO orgs (login) VALUES ($1) RETURNING id`,
		e.tenant.Account.Login).Scan(&orgID))
	require.NoError(t, e.pool.QueryRow(e.ctx, `INSERT INTO repositories (org_id, owner, name) VALUES ($1, $2, $3)
		RETURNING id`, orgID, e.tenant.Account.Login, e.tenant.Repo.Name).Scan(&repoID))
	e.install()
	linked, _ := e.repositoryID()
	assert.Equal(t, repoID, linked)
}

func TestInstallationMissedByWebhooksFetched(t *testing.T) {
	t.Parallel()
	e := setup(t, func(o *setupOptions) { o.skipInstall = true })
	sha := newSHA()
	require.Equal(t, http.StatusOK, e.deliver("pull_request", e.pullRequestPayload("opened", sha), uuid.NewString()).StatusCode)
	require.Equal(t, 1, e.drain())
	assert.Len(t, e.fake.CallsTo("GET /app/installations/{installation_id}"), 1)
	assert.Equal(t, installationActive, e.installationStatus())
	runs := e.fake.CheckRuns(e.tenant.Repo.Owner, e.tenant.Repo.Name, sha)
	require.Len(t, runs, 1)
	assert.Equal(t, "queued", runs[0].Status)
}
