package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client sends requests to one base URL over kept-alive connections.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, conns int) *client {
	transport := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: transport, Timeout: time.Minute}}
}

// do sends the request and drains the body. It fails unless the status
// is want; the body is returned so callers may read it.
func (c *client) do(ctx context.Context, method, path string, body []byte, header http.Header, want int) ([]byte, http.Header, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		return nil, nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s %s: %w", method, path, err)
	}
	if res.StatusCode == http.StatusTooManyRequests && want != http.StatusTooManyRequests {
		return nil, nil, fmt.Errorf("%s %s: status 429: the service's per-token rate limit is below the load; "+
			"raise scanner.rate_limit_per_minute on it, e.g. CENTRALCLOUD_SCANNER_RATE_LIMIT_PER_MINUTE=100000000", method, path)
	}
	if res.StatusCode != want {
		return nil, nil, fmt.Errorf("%s %s: status %d, expected %d: %.300s", method, path, res.StatusCode, want, out)
	}
	return out, res.Header, nil
}

func (c *client) close() { c.http.CloseIdleConnections() }
