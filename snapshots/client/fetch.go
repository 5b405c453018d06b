package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// StatusError is a response other than 200 or 304, with its problem
// details when the server sent them.
type StatusError struct {
	StatusCode int
	// Problem holds the RFC 9457 fields of the body, if it had them.
	Problem struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Field  string `json:"field"`
	}
}

func (e *StatusError) Error() string {
	if e.Problem.Detail != "" {
		return fmt.Sprintf("snapshot request failed with status %d: %s", e.StatusCode, e.Problem.Detail)
	}
	return fmt.Sprintf("snapshot request failed with status %d", e.StatusCode)
}

// Fetch requests the snapshot with If-None-Match set to the last ETag. It
// returns the current snapshot and whether it differs from the last one,
// so a 304 returns the last snapshot and false. A snapshot that fails
// verification returns an error wrapping ErrInvalidSnapshot.
func (c *Client) Fetch(ctx context.Context) (*Snapshot, bool, error) {
	last := c.Last()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint, nil)
	if err != nil {
		return nil, false, fmt.Errorf("build snapshot request: %w", err)
	}
	req.Header.Set(wire.HeaderClientKey, c.keyHeader)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if last != nil {
		req.Header.Set("If-None-Match", wire.QuoteETag(last.ETag))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("request snapshot: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return c.notModified(resp, last)
	case http.StatusOK:
		s, err := c.readSnapshot(resp)
		if err != nil {
			return nil, false, err
		}
		return s, last == nil || last.ETag != s.ETag, nil
	}
	return nil, false, statusError(resp)
}

func (c *Client) notModified(resp *http.Response, last *Snapshot) (*Snapshot, bool, error) {
	if last == nil {
		return nil, false, fmt.Errorf("%w: 304 Not Modified to a request without If-None-Match", ErrInvalidSnapshot)
	}
	if tag := resp.Header.Get("ETag"); tag != "" && tag != wire.QuoteETag(last.ETag) {
		return nil, false, fmt.Errorf("%w: 304 Not Modified with ETag %s, expected %s",
			ErrInvalidSnapshot, tag, wire.QuoteETag(last.ETag))
	}
	return last, false, nil
}

func (c *Client) readSnapshot(resp *http.Response) (*Snapshot, error) {
	tag := resp.Header.Get("ETag")
	if strings.HasPrefix(tag, "W/") {
		return nil, fmt.Errorf("%w: weak ETag %s; the snapshot ETag is strong", ErrInvalidSnapshot, tag)
	}
	etag, err := wire.NormalizeETag(tag)
	if err != nil || !strings.HasPrefix(tag, `"`) {
		return nil, fmt.Errorf("%w: ETag header %q is not a quoted SHA-256 digest", ErrInvalidSnapshot, tag)
	}
	sealed, err := wire.ParseSealedKey(resp.Header.Get(wire.HeaderSnapshotKey))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSnapshot, err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxSnapshotSize+1))
	if err != nil {
		return nil, fmt.Errorf("read snapshot body: %w", err)
	}
	if len(body) > MaxSnapshotSize {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrInvalidSnapshot, MaxSnapshotSize)
	}
	return c.open(etag, sealed, body)
}

func statusError(resp *http.Response) error {
	e := &StatusError{StatusCode: resp.StatusCode}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if err == nil {
			_ = json.Unmarshal(body, &e.Problem)
		}
	}
	return e
}
