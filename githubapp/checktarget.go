package githubapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
)

// checkTarget is the commit that a check run reports on, with the
// installation that publishes it.
type checkTarget struct {
	OrgID        uuid.UUID
	RepositoryID uuid.UUID
	Repo         RepositoryRef
	HeadSHA      string
	// Installation is nil when the org has none (org tokens only).
	Installation *installationRecord
}

// scannerRun is the part of a scanner_runs row that checks need.
type scannerRun struct {
	ID             uuid.UUID
	OrgID          uuid.UUID
	RepositoryID   uuid.UUID
	CommitSHA      string
	Status         string
	Conclusion     *string
	ScannerName    *string
	ScannerVersion *string
	CreatedAt      time.Time
}

const scannerRunColumns = `id, org_id, repository_id, commit_sha, status, conclusion,
	scanner_name, scanner_version, created_at`

func scanScannerRun(row pgx.Row) (*scannerRun, error) {
	var r scannerRun
	err := row.Scan(&r.ID, &r.OrgID, &r.RepositoryID, &r.CommitSHA, &r.Status, &r.Conclusion,
		&r.ScannerName, &r.ScannerVersion, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read scanner run: %w", err)
	}
	return &r, nil
}

// findScannerRun returns a scanner run, or nil when it does not exist.
func findScannerRun(ctx context.Context, db database.DBTX, id uuid.UUID) (*scannerRun, error) {
	return scanScannerRun(db.QueryRow(ctx, `SELECT `+scannerRunColumns+` FROM scanner_runs WHERE id = $1`, id))
}

// latestRun returns the commit's newest completed scanner run, else its
// newest registered one, or nil.
func latestRun(ctx context.Context, db database.DBTX, repositoryID uuid.UUID, headSHA string) (*scannerRun, error) {
	return scanScannerRun(db.QueryRow(ctx, `SELECT `+scannerRunColumns+` FROM scanner_runs
		WHERE repository_id = $1 AND commit_sha = $2
		ORDER BY (status = 'completed') DESC, created_at DESC, id DESC LIMIT 1`, repositoryID, headSHA))
}

// newerThan reports whether run r was registered after other.
func (r *scannerRun) newerThan(other *scannerRun) bool {
	if r.CreatedAt.Equal(other.CreatedAt) {
		return r.ID.String() > other.ID.String()
	}
	return r.CreatedAt.After(other.CreatedAt)
}

// repositoryTarget returns the target for a commit of a stored repository,
// with the repository's installation or, failing that, its org's.
func repositoryTarget(ctx context.Context, db database.DBTX, repositoryID uuid.UUID, headSHA string) (*checkTarget, error) {
	t := &checkTarget{RepositoryID: repositoryID, HeadSHA: headSHA}
	var instID *uuid.UUID
	var instGitHubID *int64
	var instStatus *string
	var perms []byte
	err := db.QueryRow(ctx, `SELECT r.org_id, r.owner, r.name, coalesce(r.github_repo_id, 0),
		  i.id, i.github_installation_id, i.status, i.permissions
		FROM repositories r
		LEFT JOIN LATERAL (
		  SELECT * FROM installations i
		  WHERE i.id = r.installation_id OR i.org_id = r.org_id
		  ORDER BY (i.status = 'active') DESC, (i.id = r.installation_id) IS TRUE DESC, i.updated_at DESC
		  LIMIT 1) i ON true
		WHERE r.id = $1`, repositoryID).
		Scan(&t.OrgID, &t.Repo.Owner, &t.Repo.Name, &t.Repo.ID, &instID, &instGitHubID, &instStatus, &perms)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find repository %s: %w", repositoryID, err)
	}
	if instID == nil {
		return t, nil
	}
	t.Installation = &installationRecord{ID: *instID, GitHubID: *instGitHubID, OrgID: t.OrgID, Status: *instStatus}
	if err := json.Unmarshal(perms, &t.Installation.Permissions); err != nil {
		return nil, fmt.Errorf("decode permissions of installation %d: %w", *instGitHubID, err)
	}
	return t, nil
}

// webhookTarget resolves a webhook message's installation and repository,
// storing them when a webhook about them was missed. It returns nil when
// the installation no longer exists on GitHub.
func (h *ChecksHandler) webhookTarget(ctx context.Context, msg CheckMessage) (*checkTarget, error) {
	inst, err := findInstallation(ctx, h.pool, msg.InstallationID)
	if err != nil {
		return nil, err
	}
	if inst == nil {
		inst, err = h.fetchInstallation(ctx, msg.InstallationID)
		if inst == nil || err != nil {
			return nil, err
		}
	}
	repoID, err := upsertRepository(ctx, h.pool, inst.OrgID, inst.ID, *msg.Repository)
	if err != nil {
		return nil, err
	}
	return &checkTarget{
		OrgID:        inst.OrgID,
		RepositoryID: repoID,
		Repo:         *msg.Repository,
		HeadSHA:      msg.HeadSHA,
		Installation: inst,
	}, nil
}

// fetchInstallation reads an installation that no webhook announced from
// GitHub and stores it. It returns nil when GitHub responds 404.
func (h *ChecksHandler) fetchInstallation(ctx context.Context, githubID int64) (*installationRecord, error) {
	logger := zerolog.Ctx(ctx).With().Int64(logkey.InstallationID, githubID).Logger()
	inst, err := h.getInstallation(ctx, githubID)
	if statusCode(err) == http.StatusNotFound {
		logger.Warn().Msg("installation unknown to GitHub; check skipped")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get installation %d: %w", githubID, classifyGitHubError(err))
	}
	status := installationActive
	if inst.SuspendedAt != nil {
		status = installationSuspended
	}
	err = database.InTx(ctx, h.pool, func(tx pgx.Tx) error {
		_, _, err := storeInstallation(ctx, tx, installationFromAPI(inst), status)
		return err
	})
	if err != nil {
		return nil, err
	}
	logger.Info().Msg("installation missed by webhooks stored from GitHub")
	return findInstallation(ctx, h.pool, githubID)
}

// getInstallation calls GET /app/installations/{id} as the App.
func (h *ChecksHandler) getInstallation(ctx context.Context, githubID int64) (*github.Installation, error) {
	app, err := h.clients.App()
	if err != nil {
		return nil, err
	}
	inst, _, err := app.Apps.GetInstallation(ctx, githubID)
	return inst, err
}

// targetMode returns how checks are published for the target, reading
// the installation's permissions from GitHub when no webhook stored them.
func (h *ChecksHandler) targetMode(ctx context.Context, t *checkTarget) (string, error) {
	if len(t.Installation.Permissions) == 0 {
		inst, err := h.getInstallation(ctx, t.Installation.GitHubID)
		if err != nil {
			return "", fmt.Errorf("get permissions of installation %d: %w", t.Installation.GitHubID, classifyGitHubError(err))
		}
		perms := installationFromAPI(inst).Permissions
		if err := setInstallationPermissions(ctx, h.pool, t.Installation.GitHubID, perms); err != nil {
			return "", err
		}
		t.Installation.Permissions = perms
	}
	return publishMode(t.Installation.Permissions), nil
}

// skipReason returns why no check can be published for the target, or "".
func (t *checkTarget) skipReason() string {
	switch {
	case t.Installation == nil:
		return "org has no GitHub App installation (org tokens only)"
	case t.Installation.Status != installationActive:
		return "GitHub App installation is " + t.Installation.Status
	case t.Repo.Owner == "" || t.Repo.Name == "":
		return "repository has no GitHub owner and name"
	}
	return ""
}
