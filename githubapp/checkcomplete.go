package githubapp

import (
	"context"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// publish completes a check run from a finished scanner run. Annotations
// go in batches of at most 50, one update each; the last update also
// completes the run. The batches sent are recorded one by one, so a retry
// after a failed update resumes after the last batch that GitHub accepted.
func (h *ChecksHandler) publish(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, rec *checkRecord, run *scannerRun, finalEventAt int64) error {
	if rec.Status == checkCompleted {
		zerolog.Ctx(ctx).Info().Str(logkey.CheckRunID, rec.ID.String()).
			Msg("check run already completed; message finished without effect")
		return nil
	}
	out, err := h.buildOutput(ctx, conn, run)
	if err != nil {
		return err
	}
	if rec.ServerRunID == nil || *rec.ServerRunID != run.ID {
		if err := updateCheck(ctx, conn, rec, checkUpdate{ServerRunID: &run.ID}); err != nil {
			return err
		}
	}
	if rec.Mode == modeCommitStatus {
		return h.completeStatus(ctx, conn, t, rec, out, finalEventAt)
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
		if err := updateCheck(ctx, conn, rec, checkUpdate{Status: ptr(checkInProgress), GitHubID: created.ID}); err != nil {
			return err
		}
	}
	return h.sendBatches(ctx, conn, t, rec, run, out, finalEventAt)
}

func (h *ChecksHandler) sendBatches(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, rec *checkRecord, run *scannerRun, out *checkOutput, finalEventAt int64) error {
	batches := max(1, (out.Annotations+maxAnnotationsPerReq-1)/maxAnnotationsPerReq)
	sent := rec.BatchesSent
	if rec.Attempts > 0 {
		sent = h.resumePoint(ctx, t, rec, sent, batches)
	}
	if err := updateCheck(ctx, conn, rec, checkUpdate{
		Attempts: ptr(rec.Attempts + 1), AnnotationsTotal: &out.Annotations, BatchesSent: &sent,
	}); err != nil {
		return err
	}
	externalID, detailsURL := h.runFields(run.ID)
	for batch := sent; batch < batches; batch++ {
		annotations, err := loadAnnotations(ctx, conn, run.ID, batch)
		if err != nil {
			return err
		}
		final := batch == batches-1
		opts := github.UpdateCheckRunOptions{
			ExternalID: externalID,
			DetailsURL: detailsURL,
			Status:     ptr(checkInProgress),
			Output: &github.CheckRunOutput{
				Title: &out.Title, Summary: &out.Summary, Annotations: annotations,
			},
		}
		update := checkUpdate{BatchesSent: ptr(batch + 1)}
		if final {
			opts.Status = ptr(checkCompleted)
			opts.Conclusion = &out.Conclusion
			opts.CompletedAt = timestamp(time.Now())
			opts.Actions = []*github.CheckRunAction{rerunAction}
			update.Status = ptr(checkCompleted)
			update.Conclusion = &out.Conclusion
		}
		if err := h.updateCheckRun(ctx, t, *rec.GitHubID, opts); err != nil {
			return h.failed(ctx, conn, rec, err)
		}
		// A crash between GitHub's response and this update would send the
		// batch again, but resumePoint corrects that from GitHub's count on
		// the next attempt.
		if err := updateCheck(ctx, conn, rec, update); err != nil {
			return err
		}
	}
	h.completed(ctx, rec, out.Conclusion, finalEventAt)
	return nil
}

// resumePoint returns the batch to resume a completion at. GitHub's
// annotation count on the check run is authoritative. Every batch before
// the last contains exactly 50 annotations, so the count gives the number
// of batches that landed even when recording one failed. When the read
// fails, the recorded progress is used.
func (h *ChecksHandler) resumePoint(ctx context.Context, t *checkTarget, rec *checkRecord, sent, batches int) int {
	logger := zerolog.Ctx(ctx)
	remote, err := h.getCheckRun(ctx, t, *rec.GitHubID)
	if err != nil {
		logger.Warn().Err(err).Msg("read check run for resume failed; resuming from the recorded batch")
		return sent
	}
	landed := remote.GetOutput().GetAnnotationsCount() / maxAnnotationsPerReq
	if remote.GetStatus() == checkCompleted {
		landed = batches
	}
	landed = min(landed, batches)
	if landed != sent {
		logger.Warn().Int(logkey.Count, landed-sent).Msg("annotation batches sent but not recorded; resuming after them")
	}
	return max(landed, sent)
}

// completeStatus posts the final commit status that replaces a check run.
func (h *ChecksHandler) completeStatus(ctx context.Context, conn *pgxpool.Conn, t *checkTarget, rec *checkRecord, out *checkOutput, finalEventAt int64) error {
	state := "success"
	if out.Conclusion != conclusionSuccess {
		state = "failure"
	}
	if err := h.createStatus(ctx, t, state, out.Title, rec.ServerRunID); err != nil {
		return h.failed(ctx, conn, rec, err)
	}
	if err := updateCheck(ctx, conn, rec, checkUpdate{Status: ptr(checkCompleted), Conclusion: &out.Conclusion}); err != nil {
		return err
	}
	h.completed(ctx, rec, out.Conclusion, finalEventAt)
	return nil
}

// completed logs and counts a check published as completed, and records
// the publish latency from the scanner's final event.
func (h *ChecksHandler) completed(ctx context.Context, rec *checkRecord, conclusion string, finalEventAt int64) {
	h.metrics.checksCompleted.WithLabelValues(conclusion, rec.Mode).Inc()
	event := zerolog.Ctx(ctx).Info().Str(logkey.CheckRunID, rec.ID.String()).
		Str(logkey.Conclusion, conclusion).Int(logkey.Count, rec.AnnotationsTotal)
	if finalEventAt > 0 {
		latency := time.Since(time.UnixMilli(finalEventAt))
		h.metrics.publishLatency.Observe(latency.Seconds())
		event = event.Dur(logkey.Duration, latency)
	}
	event.Msg("check run completed")
}
