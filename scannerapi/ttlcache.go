package scannerapi

import (
	"sync"
	"time"
)

// maxCacheEntries bounds each cache; past it, expired entries are dropped
// and, if none expired, the cache starts over.
const maxCacheEntries = 10000

// ttlCache keeps values for a fixed time. A zero TTL disables it. Values
// are shared between requests, so callers must not modify them.
type ttlCache[K comparable, V any] struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	value   V
	expires time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, entries: map[K]ttlEntry[V]{}}
}

// get returns the value of key while it is fresh.
func (c *ttlCache[K, V]) get(key K, now time.Time) (V, bool) {
	var zero V
	if c.ttl <= 0 {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	entry, ok := c.entries[key]
	if !ok || !now.Before(entry.expires) {
		return zero, false
	}
	return entry.value, true
}

func (c *ttlCache[K, V]) put(key K, value V, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCacheEntries {
		for k, entry := range c.entries {
			if !now.Before(entry.expires) {
				delete(c.entries, k)
			}
		}
	}
	if len(c.entries) >= maxCacheEntries {
		c.entries = map[K]ttlEntry[V]{}
	}
	c.entries[key] = ttlEntry[V]{value: value, expires: now.Add(c.ttl)}
}
