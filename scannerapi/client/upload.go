package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// Results are the findings of one scanner run.
type Results struct {
	// SARIF holds SARIF 2.1.0 logs, each sent whole unless it exceeds the
	// client's Limits.
	SARIF [][]byte
	// Native holds findings in the native form, sent after the SARIF logs
	// in batches of Limits.BatchSize. Nil with no SARIF logs sends one
	// empty batch, which completes a run that found nothing.
	Native *NativeResults
	// Metrics is a JSON object sent with the final event only.
	Metrics json.RawMessage
}

// UploadResult sums up an upload.
type UploadResult struct {
	// Final is the response to the final event, with the run's
	// conclusion.
	Final EventResult
	// Events counts the events sent, Duplicates those the server had
	// already stored under their event id.
	Events     int
	Duplicates int
	// FindingsSent counts the findings in the events, FindingsStored those
	// that this upload stored. A duplicate event stores none.
	FindingsSent   int
	FindingsStored int
}

// Upload posts results to the run, split into events as the package
// documentation describes, and returns the final event's response. A
// failed event stops the upload. Calling Upload again with the same results
// stores only what the server lacks, because the event ids repeat.
func (c *Client) Upload(ctx context.Context, serverRunID string, results Results) (*UploadResult, error) {
	batches, err := c.batches(results)
	if err != nil {
		return nil, err
	}
	summary := &UploadResult{Events: len(batches)}
	for i, b := range batches {
		event := Event{
			ServerRunID: serverRunID,
			EventID:     EventID(serverRunID, i+1, len(batches)),
			Final:       i == len(batches)-1,
			Results:     b.results,
		}
		if event.Final {
			event.Metrics = results.Metrics
		}
		result, err := c.PostEvent(ctx, event)
		if err != nil {
			return nil, fmt.Errorf("event %d of %d: %w", i+1, len(batches), err)
		}
		c.logger.Debug().Str(logkey.EventID, event.EventID).Bool(logkey.Duplicate, result.Duplicate).
			Int("findings", b.findings).Msg("event posted")
		summary.FindingsSent += b.findings
		if result.Duplicate {
			// The server repeats the first response, whose findings are
			// already counted by the upload that stored them.
			summary.Duplicates++
		} else {
			summary.FindingsStored += result.FindingsStored
		}
		summary.Final = *result
	}
	return summary, nil
}

// Check splits results as Upload would, without sending anything, so a
// scanner can reject unreadable input before it registers a run.
func (c *Client) Check(results Results) error {
	_, err := c.batches(results)
	return err
}

// EventID returns the event id of batch number (counted from 1) of count
// in a run. It depends on nothing else, so a retried upload of the same
// results in the same batches repeats it and the server dedupes.
func EventID(serverRunID string, number, count int) string {
	return fmt.Sprintf("%s-batch-%d-of-%d", serverRunID, number, count)
}

// batches splits results into the events' results objects, in order.
func (c *Client) batches(results Results) ([]batch, error) {
	var all []batch
	for i, log := range results.SARIF {
		b, err := sarifBatches(log, c.limits)
		if err != nil {
			return nil, fmt.Errorf("SARIF log %d: %w", i+1, err)
		}
		all = append(all, b...)
	}
	if results.Native != nil || len(all) == 0 {
		native := NativeResults{}
		if results.Native != nil {
			native = *results.Native
		}
		b, err := nativeBatches(native, c.limits)
		if err != nil {
			return nil, err
		}
		all = append(all, b...)
	}
	return all, nil
}
