package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

const snapshotPath = "/patterns/snapshot"

// fetchSnapshot fetches the current snapshot once, for its ETag, which
// runs send, and its body, which the bare handler serves.
func (r *runner) fetchSnapshot(ctx context.Context) error {
	priv, err := wire.SuiteX25519.GenerateKey()
	if err != nil {
		return fmt.Errorf("generate client key: %w", err)
	}
	clientKey, err := wire.FormatClientKey(priv.PublicKey())
	if err != nil {
		return fmt.Errorf("format client key: %w", err)
	}
	r.snapshotHeader = http.Header{"Authorization": {"Bearer " + r.t.Token}, "X-Client-Key": {clientKey}}
	body, got, err := r.c.do(ctx, http.MethodGet, snapshotPath, nil, r.snapshotHeader, http.StatusOK)
	if err != nil {
		return fmt.Errorf("fetch the current snapshot: %w", err)
	}
	r.etag = strings.Trim(got.Get("ETag"), `"`)
	r.snapshotBody = body
	if r.etag == snapshots.EmptyETag() {
		fmt.Fprintln(r.o.Out, "bench: the service serves the empty snapshot, so snapshot 200 sends almost no body: "+
			"publish a pattern set first (centralcloud patterns publish) to measure a real one")
	}
	return nil
}

// snapshot measures GET /patterns/snapshot with 304 and 200 responses,
// each against a bare handler that serves the same ETag and body.
func (r *runner) snapshot(ctx context.Context) error {
	header, body, quoted, bare := r.snapshotHeader, r.snapshotBody, wire.QuoteETag(r.etag), r.bare
	notModified := header.Clone()
	notModified.Set("If-None-Match", quoted)
	get := func(c *client, h http.Header, want int) Op {
		return func(ctx context.Context, _ int) error {
			_, _, err := c.do(ctx, http.MethodGet, snapshotPath, nil, h, want)
			return err
		}
	}
	r.measure(ctx, "snapshot 304", r.load(r.o.Requests), get(r.c, notModified, http.StatusNotModified),
		"bare net/http handler, same headers", get(bare, notModified, http.StatusNotModified))
	name := fmt.Sprintf("snapshot 200 (%d KiB)", len(body)>>10)
	r.measure(ctx, name, r.load(r.o.Requests), get(r.c, header, http.StatusOK),
		"bare net/http handler, same headers, body and HPKE seal", get(bare, header, http.StatusOK))
	return nil
}
