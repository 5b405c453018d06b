package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

const eventsPath = "/scanner/events"

// events measures final events with 100 native findings and with a SARIF
// log of about 1 MiB, each to a run registered beforehand (not timed).
func (r *runner) events(ctx context.Context) error {
	if err := r.eventScenario(ctx, "events 100 native findings", r.o.Requests, NativeResults(100)); err != nil {
		return err
	}
	sarif := SARIFLog(1 << 20)
	name := fmt.Sprintf("events SARIF %d KiB", len(sarif)>>10)
	return r.eventScenario(ctx, name, max(1, r.o.Requests/10), sarif)
}

func (r *runner) eventScenario(ctx context.Context, name string, requests int, results json.RawMessage) error {
	key := "event-" + name
	runIDs := make([]string, requests)
	setup := Drive(ctx, name+" setup", r.load(requests), func(ctx context.Context, i int) error {
		id, err := r.register(ctx, fmt.Sprintf("%s-%s-%d", r.nonce, key, i), r.commitFor(key, i), 0, http.StatusCreated)
		runIDs[i] = id
		return err
	})
	if setup.Errors > 0 {
		return fmt.Errorf("register runs for %s: %w", name, setup.FirstError)
	}
	// Runs the setup left out for lack of time get no event.
	load := r.load(setup.Requests)
	r.measure(ctx, name, load, func(ctx context.Context, i int) error {
		_, err := r.postEvent(ctx, runIDs[i], fmt.Sprintf("%s-%s-%d-final", r.nonce, key, i), results)
		return err
	}, "", nil)
	return nil
}

// postEvent sends a final event with results and returns the response.
func (r *runner) postEvent(ctx context.Context, runID, eventID string, results json.RawMessage) ([]byte, error) {
	body := mustJSON(map[string]any{
		"server_run_id": runID, "event_id": eventID, "results": results,
		"metrics": map[string]any{"duration_ms": 1200},
	})
	out, _, err := r.c.do(ctx, http.MethodPost, eventsPath, body, r.authHeader(), http.StatusOK)
	return out, err
}
