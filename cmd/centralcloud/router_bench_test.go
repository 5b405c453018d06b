package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/store"
)

// BenchmarkSnapshotNotModified sends GET /patterns/snapshot with the
// current ETag through the serve process's whole handler, middleware and
// token check included, at each log level, and through a bare handler
// that sets the same headers. Building the request costs the same in
// every case, so the difference to bare is the service's own work.
func BenchmarkSnapshotNotModified(b *testing.B) {
	for _, level := range []string{"info", "warn"} {
		handler, header := snapshotService(b, level)
		b.Run("log_"+level, func(b *testing.B) { benchNotModified(b, handler, header) })
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Vary", "Authorization, X-Client-Key")
		h.Set("ETag", `"bare"`)
		h.Set("Cache-Control", "private, no-cache")
		if r.Header.Get("If-None-Match") == `"bare"` {
			w.WriteHeader(http.StatusNotModified)
		}
	})
	b.Run("bare", func(b *testing.B) {
		benchNotModified(b, bare, http.Header{"Authorization": {"Bearer bare"}, "If-None-Match": {`"bare"`}})
	})
}

// snapshotService builds a serve process's handler that logs at level to
// nowhere, with a loaded empty snapshot. It returns the handler and the
// headers of a request that gets 304 from it.
func snapshotService(b *testing.B, level string) (http.Handler, http.Header) {
	b.Helper()
	ctx, pool := context.Background(), dbtest.Pool(b)
	cfg := config.Default()
	cfg.DataDir, cfg.Database.URL, cfg.Log.Level = b.TempDir(), dbtest.URL(b), level
	cfg.Scanner.RateLimitPerMinute = 1 << 30
	id, entry, err := snapshots.GenerateKey(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	cfg.Snapshots.Keys, cfg.Snapshots.ActiveKeyID = []string{entry}, id

	app := &cliApp{cfg: cfg, logger: newLogger(cfg.Log, io.Discard)}
	reg := newRegistry()
	svc, err := newService(app, pool, roles{serve: true}, reg, reg)
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	b.Cleanup(cancel)
	go func() { _ = svc.snapshots.cache.Run(runCtx) }()
	for deadline := time.Now().Add(10 * time.Second); !svc.snapshots.cache.Loaded(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the snapshot cache did not load within 10 s")
		}
	}

	org, _, err := store.CreateOrg(ctx, pool, "bench-route-"+randomSuffix())
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := store.CreateToken(ctx, pool, org.ID, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	return svc.http.Handler, http.Header{
		"Authorization": {"Bearer " + token}, "If-None-Match": {`"` + svc.snapshots.cache.ETag() + `"`},
	}
}

func benchNotModified(b *testing.B, h http.Handler, header http.Header) {
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/patterns/snapshot", nil)
		for k, v := range header {
			req.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusNotModified {
			b.Fatalf("status %d, expected 304: %s", w.Code, w.Body)
		}
	}
}
