package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// gzipThreshold is the body size from which requests are compressed;
// smaller bodies gain too little to pay for the gzip header.
const gzipThreshold = 1 << 10

// maxResponseBytes bounds a success response body. The largest one is a
// run registration with an inline snapshot, which the snapshot client
// limits to 64 MiB of ciphertext (about 86 MiB as base64).
const maxResponseBytes = 96 << 20

// postJSON sends in as JSON to path, retrying as the policy allows, and
// decodes a 2xx response into out. It returns the response status.
func (c *Client) postJSON(ctx context.Context, path string, in, out any, header http.Header) (int, error) {
	payload, err := json.Marshal(in)
	if err != nil {
		return 0, fmt.Errorf("encode %s request: %w", path, err)
	}
	body, encoding, err := encodeBody(payload)
	if err != nil {
		return 0, err
	}
	var status int
	err = c.withRetry(ctx, "POST "+path, func() error {
		status, err = c.send(ctx, path, body, encoding, header, out)
		return err
	})
	return status, err
}

// withRetry calls attempt until it succeeds or fails for good.
func (c *Client) withRetry(ctx context.Context, operation string, attempt func() error) error {
	for n := 1; ; n++ {
		err := attempt()
		if err == nil {
			return nil
		}
		delay, ok := c.retry.wait(n, err)
		if !ok {
			return err
		}
		c.logger.Warn().Err(err).Str(logkey.Operation, operation).Int(logkey.Attempt, n).
			Dur(logkey.Delay, delay).Msg("request failed, retrying")
		if err := sleep(ctx, delay); err != nil {
			return fmt.Errorf("%s: gave up waiting to retry: %w", operation, err)
		}
	}
}

// encodeBody compresses payload with gzip when it is large enough and
// returns the body with its Content-Encoding ("" for none).
func encodeBody(payload []byte) ([]byte, string, error) {
	if len(payload) < gzipThreshold {
		return payload, "", nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(payload); err != nil {
		return nil, "", fmt.Errorf("gzip request body: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, "", fmt.Errorf("gzip request body: %w", err)
	}
	return buf.Bytes(), "gzip", nil
}

// send makes one attempt.
func (c *Client) send(ctx context.Context, path string, body []byte, encoding string, header http.Header, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build %s request: %w", path, err)
	}

	for name, values := range header {
		req.Header[name] = values
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, newAPIError(http.MethodPost, path, resp, time.Now())
	}

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return 0, &networkError{fmt.Errorf("read %s response: %w", path, err)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return 0, fmt.Errorf("decode %s response (status %d): %w", path, resp.StatusCode, err)
	}
	return resp.StatusCode, nil
}
