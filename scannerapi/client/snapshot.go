package client

import (
	"context"
	"fmt"

	snapclient "github.com/centralcloud/centralcloud/snapshots/client"
)

// SyncSnapshot brings the client's pattern snapshot up to date with run.
// When the patterns did not change it returns the client's last snapshot,
// which is nil when the caller keeps its snapshot elsewhere (see State).
// Otherwise it verifies the snapshot inline in run or, when there is none,
// fetches it from GET /patterns/snapshot, and checks that its ETag is
// run.PatternsETag. A snapshot that fails verification returns an error
// wrapping snapclient.ErrInvalidSnapshot.
func (c *Client) SyncSnapshot(ctx context.Context, run *Run) (*snapclient.Snapshot, error) {
	if !run.PatternsChanged {
		return c.snapshots.Last(), nil
	}
	var snapshot *snapclient.Snapshot
	var err error
	if run.Snapshot != nil {
		snapshot, err = c.snapshots.Accept(*run.Snapshot)
	} else {
		err = c.withRetry(ctx, "GET "+snapclient.SnapshotPath, func() error {
			snapshot, _, err = c.snapshots.Fetch(ctx)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("pattern snapshot: %w", err)
	}
	// NOTE: a snapshot published between the registration and the fetch
	// has a newer ETag than the run reported. Newer patterns are harmless,
	// so only an inline snapshot must match.
	if run.Snapshot != nil && snapshot.ETag != run.PatternsETag {
		return nil, fmt.Errorf("%w: inline snapshot ETag %s differs from patterns_etag %s",
			snapclient.ErrInvalidSnapshot, snapshot.ETag, run.PatternsETag)
	}
	return snapshot, nil
}
