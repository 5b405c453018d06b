package githubapp

import (
	"context"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/google/uuid"
)

// rerunActionID identifies the check run's "Re-run" button in
// check_run.requested_action deliveries.
const rerunActionID = "rerun"

// rerunAction is the button that a completed check run offers. GitHub
// limits the label to 20 characters and the description to 40.
var rerunAction = &github.CheckRunAction{
	Label:       "Re-run",
	Description: "Publish the latest results again",
	Identifier:  rerunActionID,
}

// createCheckRun creates a check run on the target commit, or adopts one
// that an interrupted attempt created but did not record, so a retry never
// leaves a second run of ours on the commit.
func (h *ChecksHandler) createCheckRun(ctx context.Context, t *checkTarget, opts github.CreateCheckRunOptions) (*github.CheckRun, error) {
	opts.Name = CheckRunName
	opts.HeadSHA = t.HeadSHA
	orphan, err := h.findOrphanCheckRun(ctx, t)
	if err != nil {
		return nil, err
	}
	if orphan != nil {
		return h.adoptCheckRun(ctx, t, orphan, opts)
	}
	var run *github.CheckRun
	err = h.clients.withInstallation(ctx, t.Installation.GitHubID, func(c *github.Client) error {
		var err error
		run, _, err = c.Checks.CreateCheckRun(ctx, t.Repo.Owner, t.Repo.Name, opts)
		return err
	})
	return run, markNotAccessible(err)
}

// updateCheckRun updates a check run. GitHub appends the annotations of
// every update to the ones it has.
func (h *ChecksHandler) updateCheckRun(ctx context.Context, t *checkTarget, id int64, opts github.UpdateCheckRunOptions) error {
	opts.Name = CheckRunName
	err := h.clients.withInstallation(ctx, t.Installation.GitHubID, func(c *github.Client) error {
		_, _, err := c.Checks.UpdateCheckRun(ctx, t.Repo.Owner, t.Repo.Name, id, opts)
		return err
	})
	return markNotAccessible(err)
}

// getCheckRun reads a check run, to learn how many annotations GitHub has.
func (h *ChecksHandler) getCheckRun(ctx context.Context, t *checkTarget, id int64) (*github.CheckRun, error) {
	var run *github.CheckRun
	err := h.clients.withInstallation(ctx, t.Installation.GitHubID, func(c *github.Client) error {
		var err error
		run, _, err = c.Checks.GetCheckRun(ctx, t.Repo.Owner, t.Repo.Name, id)
		return err
	})
	return run, err
}

// createStatus posts the commit status that replaces a check run.
// GitHub limits the description to 140 characters.
func (h *ChecksHandler) createStatus(ctx context.Context, t *checkTarget, state, description string, runID *uuid.UUID) error {
	status := &github.RepoStatus{
		State:       github.String(state),
		Context:     github.String(CheckRunName),
		Description: github.String(truncateBytes(description, 140, "…")),
	}
	if runID != nil {
		if url := h.detailsURL(*runID); url != "" {
			status.TargetURL = github.String(url)
		}
	}
	return h.clients.withInstallation(ctx, t.Installation.GitHubID, func(c *github.Client) error {
		_, _, err := c.Repositories.CreateStatus(ctx, t.Repo.Owner, t.Repo.Name, t.HeadSHA, status)
		return err
	})
}

// runFields returns the external id and details URL that tie a check run
// to a scanner run.
func (h *ChecksHandler) runFields(runID uuid.UUID) (externalID, detailsURL *string) {
	externalID = github.String(runID.String())
	if url := h.detailsURL(runID); url != "" {
		detailsURL = github.String(url)
	}
	return externalID, detailsURL
}

func timestamp(t time.Time) *github.Timestamp {
	return &github.Timestamp{Time: t}
}
