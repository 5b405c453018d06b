package githubapp

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// timedOutTitle is the title of a check run that no scanner reported on.
const timedOutTitle = "No scanner results"

// timedOut completes a stale check run as timed_out, or from the commit's
// results when they arrived after the reconciler looked.
func (h *ChecksHandler) timedOut(ctx context.Context, msg CheckMessage) error {
	rec, err := checkByID(ctx, h.pool, msg.CheckID)
	if err != nil || rec == nil {
		return err
	}
	t, err := repositoryTarget(ctx, h.pool, rec.RepositoryID, rec.HeadSHA)
	if err != nil || t == nil {
		return err
	}
	ctx = withTargetLogger(ctx, t)
	ctx = zerolog.Ctx(ctx).With().Str(logkey.CheckRunID, rec.ID.String()).Logger().WithContext(ctx)
	if reason := t.skipReason(); reason != "" {
		// Nothing can be published: close our record so that the
		// reconciler stops finding it.
		zerolog.Ctx(ctx).Info().Str(logkey.Reason, reason).Msg("stale check run closed without publishing")
		return updateCheck(ctx, h.pool, rec, checkUpdate{Status: ptr(checkCompleted)})
	}
	return h.withCommitLock(ctx, t, func(conn *pgxpool.Conn) error {
		rec, err := checkByID(ctx, conn, msg.CheckID)
		if err != nil || rec == nil || !rec.Current || rec.Status == checkCompleted {
			return err
		}
		latest, err := latestRun(ctx, conn, t.RepositoryID, t.HeadSHA)
		if err != nil {
			return err
		}
		if latest != nil && latest.Status == "completed" {
			run := latest
			rec, err := h.checkForRun(ctx, conn, t, run)
			if err != nil || rec == nil {
				return err
			}
			return h.withFallback(ctx, conn, rec, func() error { return h.publish(ctx, conn, t, rec, run, 0) })
		}
		return h.withFallback(ctx, conn, rec, func() error { return h.timeOut(ctx, conn, t, rec) })
	})
}

// timeOut completes a check run as timed_out.
func (h *ChecksHandler) timeOut(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, rec *checkRecord) error {
	summary := fmt.Sprintf("No scanner reported results for commit `%s` within %s. "+
		"Run the scanner again in CI to publish a new check run.", t.HeadSHA, h.checkDeadline)
	if rec.Mode == modeCommitStatus {
		if err := h.createStatus(ctx, t, "error", timedOutTitle, rec.ServerRunID); err != nil {
			return h.failed(ctx, conn, rec, err)
		}
	} else if err := h.completeTimedOut(ctx, conn, t, rec, summary); err != nil {
		return err
	}
	if err := updateCheck(ctx, conn, rec, checkUpdate{Status: ptr(checkCompleted), Conclusion: ptr(conclusionTimedOut)}); err != nil {
		return err
	}
	h.completed(ctx, rec, conclusionTimedOut, 0)
	return nil
}

func (h *ChecksHandler) completeTimedOut(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, rec *checkRecord, summary string) error {
	output := &github.CheckRunOutput{Title: ptr(timedOutTitle), Summary: &summary}
	now := timestamp(time.Now())
	if rec.Status == checkPending {
		created, err := h.createCheckRun(ctx, t, github.CreateCheckRunOptions{
			Status: ptr(checkCompleted), Conclusion: ptr(conclusionTimedOut), CompletedAt: now, Output: output,
		})
		if err != nil {
			return h.failed(ctx, conn, rec, err)
		}
		return updateCheck(ctx, conn, rec, checkUpdate{GitHubID: created.ID})
	}
	err := h.updateCheckRun(ctx, t, *rec.GitHubID, github.UpdateCheckRunOptions{
		Status: ptr(checkCompleted), Conclusion: ptr(conclusionTimedOut), CompletedAt: now, Output: output,
	})
	if err != nil {
		return h.failed(ctx, conn, rec, err)
	}
	return nil
}
