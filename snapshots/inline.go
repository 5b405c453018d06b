package snapshots

import (
	"fmt"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// Inline is the current snapshot for a JSON response body, with its data
// key sealed to one client.
type Inline = wire.Inline

// Inline returns the current snapshot with its data key sealed to
// clientKey, an X-Client-Key header value. A missing, malformed or
// unusable key returns an error for which IsClientKeyError is true.
func (c *Cache) Inline(clientKey string) (*Inline, error) {
	key, err := wire.ParseClientKey(clientKey)
	if err != nil {
		return nil, err
	}
	snap := c.Current()
	sealed, err := snap.Seal(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: the %s public key cannot be used: %w",
			wire.ErrInvalidClientKey, wire.HeaderClientKey, key.Suite, err)
	}
	return &Inline{ETag: snap.ETag, Suite: sealed.Suite, SealedKey: sealed.Sealed, Ciphertext: snap.Ciphertext}, nil
}
