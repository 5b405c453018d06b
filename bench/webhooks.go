package bench

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/uuid"
)

const webhookPath = "/api/github/hook"

// webhooks measures signed pull_request deliveries acknowledged, as fast
// as they go and paced at the options' rate, against a bare handler that
// only checks the signature.
func (r *runner) webhooks(ctx context.Context) error {
	if r.t.WebhookSecret == "" || r.t.Webhook == nil {
		fmt.Fprintln(r.o.Out, "bench: no webhook secret: webhook scenarios skipped")
		return nil
	}
	bare := r.bare
	sig := signature(r.t.Webhook, r.t.WebhookSecret)
	deliver := func(c *client) Op {
		return func(ctx context.Context, _ int) error {
			h := http.Header{
				"Content-Type": {"application/json"}, "User-Agent": {"GitHub-Hookshot/bench"},
				"X-Github-Event": {"pull_request"}, "X-Github-Delivery": {uuid.NewString()},
				"X-Github-Hook-Installation-Target-Type": {"integration"}, "X-Hub-Signature-256": {sig},
			}
			_, _, err := c.do(ctx, http.MethodPost, webhookPath, r.t.Webhook, h, http.StatusOK)
			return err
		}
	}
	const limitName = "bare net/http handler that checks the signature"
	r.measure(ctx, "webhook pull_request.synchronize", r.load(r.o.Requests), deliver(r.c), limitName, deliver(bare))
	if r.o.WebhookRate > 0 {
		paced := r.load(r.o.Requests)
		paced.Rate = r.o.WebhookRate
		name := fmt.Sprintf("webhook at %.0f/s", r.o.WebhookRate)
		r.measure(ctx, name, paced, deliver(r.c), limitName, deliver(bare))
	}
	return nil
}
