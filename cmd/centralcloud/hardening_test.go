package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/database/dbtest"
)

// hardenedServer serves the real API with short timeouts on a loopback
// listener and returns its address.
func hardenedServer(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database.URL = dbtest.URL(t)
	cfg.HTTP.ReadHeaderTimeout = 300 * time.Millisecond
	cfg.HTTP.ReadTimeout = 600 * time.Millisecond
	cfg.HTTP.IdleTimeout = 600 * time.Millisecond
	cfg.HTTP.MaxHeaderBytes = 8 << 10
	app := &cliApp{cfg: cfg, logger: zerolog.Nop()}
	reg := prometheus.NewRegistry()
	svc, err := newService(app, dbtest.Pool(t), roles{serve: true}, reg, reg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = svc.http.Serve(ln) }()
	t.Cleanup(func() { _ = svc.http.Close() })
	return ln.Addr().String()
}

// readUntilClosed reads from conn until the server closes it and returns
// how long that took, failing after limit.
func readUntilClosed(t *testing.T, conn net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	require.NoError(t, conn.SetReadDeadline(start.Add(limit)))
	_, err := io.Copy(io.Discard, conn)
	require.NoError(t, err, "the server must close the connection before %s", limit)
	return time.Since(start)
}

func TestSlowHeadersConnectionClosed(t *testing.T) {
	t.Parallel()
	addr := hardenedServer(t)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	// Half a request line, then nothing: a client holding a connection.
	_, err = conn.Write([]byte("POST /scanner/runs HTTP/1.1\r\nHost: x\r\n"))
	require.NoError(t, err)
	took := readUntilClosed(t, conn, 5*time.Second)
	require.Less(t, took, 5*time.Second)
}

func TestSlowBodyConnectionClosed(t *testing.T) {
	t.Parallel()
	addr := hardenedServer(t)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST /scanner/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer cct_x\r\n" +
		"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"local"))
	require.NoError(t, err)
	took := readUntilClosed(t, conn, 5*time.Second)
	require.Less(t, took, 5*time.Second)
}

func TestOversizedHeadersRejected(t *testing.T) {
	t.Parallel()
	addr := hardenedServer(t)
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
	require.NoError(t, err)
	req.Header.Set("X-Padding", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

func TestIdleConnectionClosed(t *testing.T) {
	t.Parallel()
	addr := hardenedServer(t)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// The kept-alive connection is closed once idle for the idle timeout.
	took := readUntilClosed(t, conn, 5*time.Second)
	require.Less(t, took, 5*time.Second)
}
