package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// findOrphanCheckRun returns a check run of this App on the target commit
// that is not completed and that no row of ours records, or nil. Such a
// run is left when a worker dies after GitHub created it but before its id
// was stored. Handlers of one commit hold the commit lock, so any such run
// is an orphan and not another handler's run in the making.
func (h *ChecksHandler) findOrphanCheckRun(ctx context.Context, t *checkTarget) (*github.CheckRun, error) {
	opts := &github.ListCheckRunsOptions{
		CheckName:   ptr(CheckRunName),
		Filter:      ptr("all"),
		AppID:       ptr(h.clients.opts.AppID),
		ListOptions: github.ListOptions{PerPage: 100},
	}
	var runs []*github.CheckRun
	err := h.clients.withInstallation(ctx, t.Installation.GitHubID, func(c *github.Client) error {
		result, _, err := c.Checks.ListCheckRunsForRef(ctx, t.Repo.Owner, t.Repo.Name, t.HeadSHA, opts)
		if err == nil {
			runs = result.CheckRuns
		}
		return err
	})
	if err != nil {
		return nil, markNotAccessible(err)
	}
	for _, run := range runs {
		if run.GetStatus() == checkCompleted || run.GetID() == 0 {
			continue
		}
		var recorded bool
		err := h.pool.QueryRow(ctx,
			`SELECT EXISTS (SELECT 1 FROM check_runs WHERE repository_id = $1 AND github_check_run_id = $2)`,
			t.RepositoryID, run.GetID()).Scan(&recorded)
		if err != nil {
			return nil, fmt.Errorf("look up check run %d: %w", run.GetID(), err)
		}
		if !recorded {
			return run, nil
		}
	}
	return nil, nil
}

// adoptCheckRun brings an orphaned check run to the state that a create
// with opts would have given, and returns it in place of a new one.
func (h *ChecksHandler) adoptCheckRun(ctx context.Context, t *checkTarget, orphan *github.CheckRun, opts github.CreateCheckRunOptions) (*github.CheckRun, error) {
	h.logger.Warn().Int64(logkey.CheckRunID, orphan.GetID()).Str(logkey.HeadSHA, t.HeadSHA).
		Msg("adopting a check run that an interrupted attempt created but did not record")
	err := h.updateCheckRun(ctx, t, orphan.GetID(), github.UpdateCheckRunOptions{
		Status: opts.Status, Conclusion: opts.Conclusion, CompletedAt: opts.CompletedAt,
		ExternalID: opts.ExternalID, DetailsURL: opts.DetailsURL, Output: opts.Output, Actions: opts.Actions,
	})
	if err != nil {
		return nil, err
	}
	return orphan, nil
}
