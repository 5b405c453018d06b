package scannerapi

import (
	"sync"
	"time"
)

// maxCachedTokens bounds the token cache; past it, expired entries are
// dropped and, if none expired, the cache starts over.
const maxCachedTokens = 10000

// tokenCache keeps recently authenticated org-token principals for a short
// time, keyed by the token's SHA-256, so that a busy scanner's requests do
// not each cost a database round trip. A revoked or expired token, or a
// suspended installation, is therefore noticed within the TTL on each
// replica.
type tokenCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[[32]byte]cachedPrincipal
}

type cachedPrincipal struct {
	principal *Principal
	expires   time.Time
}

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, entries: map[[32]byte]cachedPrincipal{}}
}

// get returns the cached principal of hash, if any and still fresh. The
// principal is shared, so callers must not modify it.
func (c *tokenCache) get(hash [32]byte, now time.Time) (*Principal, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	entry, ok := c.entries[hash]
	if !ok || !now.Before(entry.expires) {
		return nil, false
	}
	return entry.principal, true
}

func (c *tokenCache) put(hash [32]byte, p *Principal, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedTokens {
		c.dropExpired(now)
	}
	if len(c.entries) >= maxCachedTokens {
		c.entries = map[[32]byte]cachedPrincipal{}
	}
	c.entries[hash] = cachedPrincipal{principal: p, expires: now.Add(c.ttl)}
}

func (c *tokenCache) dropExpired(now time.Time) {
	for hash, entry := range c.entries {
		if !now.Before(entry.expires) {
			delete(c.entries, hash)
		}
	}
}
