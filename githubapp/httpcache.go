package githubapp

import (
	"net/http"
	"regexp"

	lru "github.com/hashicorp/golang-lru/v2"
)

// maxAge matches the max-age directive of Cache-Control.
var maxAge = regexp.MustCompile(`max-age=\d+`)

// alwaysRevalidate rewrites max-age to 0 in responses, so the HTTP cache
// above it revalidates every stored response with its ETag instead of
// serving it unchecked for GitHub's max-age (60 seconds).
func alwaysRevalidate(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(req)
		if res != nil {
			if cc := res.Header.Get("Cache-Control"); cc != "" {
				res.Header.Set("Cache-Control", maxAge.ReplaceAllString(cc, "max-age=0"))
			}
		}
		return res, err
	})
}

// lruHTTPCache is an httpcache.Cache that keeps the most recently used
// responses, so a long-running client's cache stays bounded.
type lruHTTPCache struct {
	entries *lru.Cache[string, []byte]
}

func newLRUHTTPCache(size int) *lruHTTPCache {
	entries, err := lru.New[string, []byte](size)
	if err != nil {
		// lru.New fails only for a size below 1, which callers never pass.
		panic(err)
	}
	return &lruHTTPCache{entries: entries}
}

func (c *lruHTTPCache) Get(key string) ([]byte, bool) { return c.entries.Get(key) }

func (c *lruHTTPCache) Set(key string, response []byte) { c.entries.Add(key, response) }

func (c *lruHTTPCache) Delete(key string) { c.entries.Remove(key) }
