package githubapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// runRegistered moves the commit's check run to in_progress when a scanner
// registers a run, creating the check run when no webhook did.
func (h *ChecksHandler) runRegistered(ctx context.Context, msg CheckMessage) error {
	ctx, run, t, err := h.runTarget(ctx, msg.ServerRunID)
	if err != nil || t == nil {
		return err
	}
	return h.withCommitLock(ctx, t, func(conn *pgxpool.Conn) error {
		rec, err := h.checkForRun(ctx, conn, t, run)
		if err != nil || rec == nil {
			return err
		}
		return h.withFallback(ctx, conn, rec, func() error { return h.start(ctx, conn, t, rec, run) })
	})
}

// runCompleted completes the commit's check run from a finished scanner
// run's findings.
func (h *ChecksHandler) runCompleted(ctx context.Context, msg CheckMessage) error {
	ctx, run, t, err := h.runTarget(ctx, msg.ServerRunID)
	if err != nil || t == nil {
		return err
	}
	if run.Status != "completed" {
		return fmt.Errorf("scanner run %s is %s, not completed yet", run.ID, run.Status)
	}
	return h.withCommitLock(ctx, t, func(conn *pgxpool.Conn) error {
		rec, err := h.checkForRun(ctx, conn, t, run)
		if err != nil || rec == nil {
			return err
		}
		return h.withFallback(ctx, conn, rec, func() error {
			return h.publish(ctx, conn, t, rec, run, msg.FinalEventAt)
		})
	})
}

// commitRequested creates the check run that a webhook asked for: a
// commit's first one, or a new one for a rerequest. The new run is brought
// up to date with the commit's latest scanner run, if there is one.
func (h *ChecksHandler) commitRequested(ctx context.Context, msg CheckMessage) error {
	if msg.InstallationID == 0 || msg.Repository == nil || !commitSHA.MatchString(msg.HeadSHA) {
		return fmt.Errorf("check message %s lacks installation, repository or head commit", msg.Type)
	}
	t, err := h.webhookTarget(ctx, msg)
	if err != nil || t == nil {
		return err
	}
	ctx = withTargetLogger(ctx, t)
	if reason := t.skipReason(); reason != "" {
		zerolog.Ctx(ctx).Info().Str(logkey.Reason, reason).Msg("check run not created")
		return nil
	}
	return h.withCommitLock(ctx, t, func(conn *pgxpool.Conn) error {
		mode, err := h.mode(ctx, t)
		if err != nil || mode == "" {
			return err
		}
		rec, err := h.checkForTrigger(ctx, conn, t, msg, mode)
		if err != nil || rec == nil {
			return err
		}
		return h.withFallback(ctx, conn, rec, func() error { return h.refresh(ctx, conn, t, rec) })
	})
}

// runTarget loads a scanner run and its commit's target. It returns a nil
// target, after logging why, when no check can be published for the run.
func (h *ChecksHandler) runTarget(ctx context.Context, runID uuid.UUID) (context.Context, *scannerRun, *checkTarget, error) {
	logger := zerolog.Ctx(ctx).With().Str(logkey.ServerRunID, runID.String()).Logger()
	ctx = logger.WithContext(ctx)
	run, err := findScannerRun(ctx, h.pool, runID)
	if err != nil {
		return ctx, nil, nil, err
	}
	if run == nil {
		logger.Warn().Msg("scanner run not found; check message finished without effect")
		return ctx, nil, nil, nil
	}
	t, err := repositoryTarget(ctx, h.pool, run.RepositoryID, run.CommitSHA)
	if err != nil || t == nil {
		return ctx, nil, nil, err
	}
	ctx = withTargetLogger(ctx, t)
	if reason := t.skipReason(); reason != "" {
		zerolog.Ctx(ctx).Info().Str(logkey.Reason, reason).Msg("no check run for this scanner run")
		return ctx, nil, nil, nil
	}
	return ctx, run, t, nil
}

// mode returns the target's publish mode, or "" after logging that the
// installation may publish neither check runs nor commit statuses.
func (h *ChecksHandler) mode(ctx context.Context, t *checkTarget) (string, error) {
	mode, err := h.targetMode(ctx, t)
	if err == nil && mode == "" {
		zerolog.Ctx(ctx).Warn().Msg("installation lacks checks and statuses write permission; check skipped")
	}
	return mode, err
}

// checkForRun returns the check run that reports on a scanner run: the
// commit's current one, unless it is done with another run (completed, or
// holding another run's annotations), in which case a new current one
// keyed by the run. It returns nil when a newer scanner run owns the
// current check run.
func (h *ChecksHandler) checkForRun(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, run *scannerRun) (*checkRecord, error) {
	cur, err := currentCheck(ctx, conn, t.RepositoryID, t.HeadSHA)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.ServerRunID != nil && *cur.ServerRunID == run.ID {
		return cur, nil
	}
	if cur != nil && cur.ServerRunID != nil {
		owner, err := findScannerRun(ctx, conn, *cur.ServerRunID)
		if err != nil {
			return nil, err
		}
		if owner != nil && owner.newerThan(run) {
			zerolog.Ctx(ctx).Info().Str(logkey.CheckRunID, cur.ID.String()).
				Msg("a newer scanner run owns the check run; message finished without effect")
			return nil, nil
		}
	}
	if cur != nil && cur.Status != checkCompleted && cur.BatchesSent == 0 {
		return cur, nil
	}
	mode, err := h.mode(ctx, t)
	if err != nil || mode == "" {
		return nil, err
	}
	trigger := triggerInitial
	if cur != nil {
		trigger = "run:" + run.ID.String()
	}
	rec, _, err := insertCheck(ctx, conn, t, trigger, mode)
	return rec, err
}

// checkForTrigger returns the check run of a webhook's trigger, creating
// it. A commit's first check run is created once, whichever event requests
// it, and a rerequest creates one per delivery. It returns nil when a later trigger
// has replaced the trigger's run as the current one.
func (h *ChecksHandler) checkForTrigger(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, msg CheckMessage, mode string) (*checkRecord, error) {
	if msg.Type == CheckRequested {
		cur, err := currentCheck(ctx, conn, t.RepositoryID, t.HeadSHA)
		if err != nil || cur != nil {
			return cur, err
		}
	}
	rec, created, err := insertCheck(ctx, conn, t, msg.trigger(), mode)
	if err != nil {
		return nil, err
	}
	if !created && !rec.Current {
		zerolog.Ctx(ctx).Info().Str(logkey.Trigger, msg.trigger()).
			Msg("check run of this trigger is no longer current; message finished without effect")
		return nil, nil
	}
	if created {
		zerolog.Ctx(ctx).Info().Str(logkey.Trigger, msg.trigger()).Str(logkey.CheckRunID, rec.ID.String()).
			Msg("check run created as the commit's current one")
	}
	return rec, nil
}

// refresh brings a check run that no scanner run owns yet up to date: it
// completes from the commit's latest finished scanner run, starts with a
// running one, or else is created queued on GitHub.
func (h *ChecksHandler) refresh(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, rec *checkRecord) error {
	if rec.Status == checkCompleted || rec.ServerRunID != nil {
		return nil
	}
	latest, err := latestRun(ctx, conn, t.RepositoryID, t.HeadSHA)
	if err != nil {
		return err
	}
	switch {
	case latest != nil && latest.Status == "completed":
		return h.publish(ctx, conn, t, rec, latest, 0)
	case latest != nil:
		return h.start(ctx, conn, t, rec, latest)
	case rec.Status != checkPending:
		return nil
	case rec.Mode == modeCommitStatus:
		// The pending status is posted when a scanner registers.
		return updateCheck(ctx, conn, rec, checkUpdate{Status: ptr(checkQueued)})
	}
	created, err := h.createCheckRun(ctx, t, github.CreateCheckRunOptions{Status: ptr(checkQueued)})
	if err != nil {
		return h.failed(ctx, conn, rec, err)
	}
	return updateCheck(ctx, conn, rec, checkUpdate{Status: ptr(checkQueued), GitHubID: created.ID})
}

// start moves a check run to in_progress for a scanner run.
func (h *ChecksHandler) start(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, rec *checkRecord, run *scannerRun) error {
	if rec.Status == checkCompleted {
		return nil
	}
	if rec.ServerRunID == nil || *rec.ServerRunID != run.ID {
		if err := updateCheck(ctx, conn, rec, checkUpdate{ServerRunID: &run.ID}); err != nil {
			return err
		}
	}
	if rec.Mode == modeCommitStatus {
		if err := h.createStatus(ctx, t, "pending", "Scanning; results pending", &run.ID); err != nil {
			return h.failed(ctx, conn, rec, err)
		}
		return updateCheck(ctx, conn, rec, checkUpdate{Status: ptr(checkInProgress)})
	}
	externalID, detailsURL := h.runFields(run.ID)
	if rec.Status == checkPending {
		created, err := h.createCheckRun(ctx, t, github.CreateCheckRunOptions{
			Status: ptr(checkInProgress), StartedAt: timestamp(time.Now()),
			ExternalID: externalID, DetailsURL: detailsURL,
		})
		if err != nil {
			return h.failed(ctx, conn, rec, err)
		}
		return updateCheck(ctx, conn, rec, checkUpdate{Status: ptr(checkInProgress), GitHubID: created.ID})
	}
	err := h.updateCheckRun(ctx, t, *rec.GitHubID, github.UpdateCheckRunOptions{
		Status: ptr(checkInProgress), ExternalID: externalID, DetailsURL: detailsURL,
	})
	if err != nil {
		return h.failed(ctx, conn, rec, err)
	}
	zerolog.Ctx(ctx).Info().Str(logkey.CheckRunID, rec.ID.String()).Msg("check run in progress")
	return updateCheck(ctx, conn, rec, checkUpdate{Status: ptr(checkInProgress)})
}

// withFallback runs step and, when GitHub rejects a check run call for
// lack of the checks permission, switches the check to a commit status and
// runs step again.
func (h *ChecksHandler) withFallback(ctx context.Context, conn *pgxpool.Conn, rec *checkRecord, step func() error) error {
	err := step()
	if !errors.Is(err, errNotAccessible) {
		return err
	}
	zerolog.Ctx(ctx).Warn().Err(err).Str(logkey.CheckRunID, rec.ID.String()).
		Msg("check run write not permitted; falling back to a commit status")
	if err := updateCheck(ctx, conn, rec, checkUpdate{Mode: ptr(modeCommitStatus)}); err != nil {
		return err
	}
	return step()
}

func ptr[T any](v T) *T { return &v }
