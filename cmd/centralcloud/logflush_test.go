package main

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
)

// syncBuffer is a bytes.Buffer that the log writer's timer and the test
// may use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A service process buffers info lines (here for up to 10 s), writes a
// warning at once with the lines buffered before it, and writes the rest
// when it stops.
func TestServeBuffersInfoLinesUntilStop(t *testing.T) {
	addr, err := freeLoopbackAddr()
	require.NoError(t, err)
	t.Setenv("CENTRALCLOUD_DATABASE_URL", dbtest.URL(t))
	t.Setenv("CENTRALCLOUD_HTTP_ADDR", addr)
	t.Setenv("CENTRALCLOUD_LOG_LEVEL", "info")
	t.Setenv("CENTRALCLOUD_LOG_FLUSH_INTERVAL", "10s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- execute(ctx, []string{"serve"}, &stdout, &stderr) }()

	awaitHealthy(t, "http://"+addr, done, &stderr)
	written := stderr.String()
	assert.Contains(t, written, "no GitHub App configured", "a warning is written at once")
	assert.Contains(t, written, "database migrations applied", "info lines before a warning are written with it")
	assert.NotContains(t, written, "http server listening", "an info line after the warning is buffered")

	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of its context ending")
	}
	assert.Contains(t, stderr.String(), "http server listening")
	assert.Contains(t, stderr.String(), "centralcloud stopped")
	assert.Contains(t, stderr.String(), "snapshot cache stopped", "background tasks log through the service's logger")
}

// awaitHealthy polls url/healthz until it returns 200, failing the test
// when the service exits first or 30 s pass.
func awaitHealthy(t *testing.T, url string, done <-chan int, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("the service exited with %d: %s", code, stderr.String())
		default:
		}
		if res, err := http.Get(url + "/healthz"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the service did not answer /healthz within 30 s: %s", stderr.String())
}
