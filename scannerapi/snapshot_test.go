package scannerapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/scannerapi"
	"github.com/centralcloud/centralcloud/snapshots"
	"github.com/centralcloud/centralcloud/snapshots/client"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// cacheSource serves inline snapshots from a cache, as the service does.
type cacheSource struct{ cache *snapshots.Cache }

func (s cacheSource) ETag() string { return s.cache.ETag() }

func (s cacheSource) Matches(etag string) bool { return s.cache.Matches(etag) }

func (s cacheSource) Inline(clientKey string) (any, error) {
	inline, err := s.cache.Inline(clientKey)
	if err != nil && snapshots.IsClientKeyError(err) {
		return nil, errors.Join(scannerapi.ErrInvalidClientKey, err)
	}
	return inline, err
}

// publishedCache publishes a pattern set, builds its snapshot and returns
// a cache that holds it.
func publishedCache(t *testing.T) *snapshots.Cache {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	_, entry, err := snapshots.GenerateKey(time.Now())
	require.NoError(t, err)
	keyring, err := snapshots.LoadKeyring(snapshots.KeyringOptions{Keys: []string{entry}})
	require.NoError(t, err)
	bundle := snapshots.Bundle{Patterns: []snapshots.BundlePattern{
		{ID: "go.sql-injection", Language: "go", Severity: "error", Message: "query built from input", Rule: "call(db.Query, concat(_, input))"},
	}}
	_, err = snapshots.Publish(ctx, pool, keyring, bundle, snapshots.PublishOptions{PublishedBy: "test"})
	require.NoError(t, err)
	_, err = snapshots.NewSyncer(pool, keyring, snapshots.SyncerOptions{}).Sync(ctx)
	require.NoError(t, err)
	cache := snapshots.NewCache(pool, keyring, snapshots.CacheOptions{})
	_, err = cache.Reload(ctx)
	require.NoError(t, err)
	require.NotEqual(t, snapshots.EmptyETag(), cache.ETag())
	return cache
}

// Publishing changes the package database's current snapshot, so the
// snapshot cases run in one test, one after the other.
func TestSnapshotInlineAndEndpoint(t *testing.T) {
	cache := publishedCache(t)
	f := setup(t, func(o *options) { o.snapshots = cache })
	scanner, err := client.New(f.srv.URL, client.Options{Token: f.token})
	require.NoError(t, err)

	body := runRequest(f.org.Login, "ci-inline", commitA)
	r := f.do(http.MethodPost, "/scanner/runs", f.token, "application/json", jsonBody(t, body),
		"X-Client-Key", scanner.ClientKey())
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
	require.Equal(t, cache.ETag(), r.body["patterns_etag"])
	require.Equal(t, true, r.body["patterns_changed"])
	var inline struct {
		Snapshot wire.Inline `json:"snapshot"`
	}
	require.NoError(t, json.Unmarshal(r.raw, &inline))
	snap, err := scanner.Accept(inline.Snapshot)
	require.NoError(t, err)
	require.Equal(t, cache.ETag(), snap.ETag)

	body["etag"] = `"` + cache.ETag() + `"`
	body["local_run_id"] = "ci-inline-2"
	r = f.do(http.MethodPost, "/scanner/runs", f.token, "application/json", jsonBody(t, body),
		"X-Client-Key", scanner.ClientKey())
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
	require.Equal(t, false, r.body["patterns_changed"])
	require.NotContains(t, r.body, "snapshot")

	body["etag"] = nil
	body["local_run_id"] = "ci-inline-3"
	r = f.do(http.MethodPost, "/scanner/runs", f.token, "application/json", jsonBody(t, body),
		"X-Client-Key", "rsa2048 AAAA")
	requireProblem(t, r, http.StatusBadRequest, "X-Client-Key")

	fetched, changed, err := scanner.Fetch(context.Background())
	require.NoError(t, err)
	require.True(t, changed || fetched.ETag == snap.ETag)
	require.Equal(t, cache.ETag(), fetched.ETag)
	_, changed, err = scanner.Fetch(context.Background())
	require.NoError(t, err)
	require.False(t, changed, "the second fetch revalidates with If-None-Match and gets 304")

	r = f.do(http.MethodGet, "/patterns/snapshot", "", "", nil)
	requireProblem(t, r, http.StatusUnauthorized, "")
	r = f.do(http.MethodHead, "/patterns/snapshot", f.token, "", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, `"`+cache.ETag()+`"`, r.header.Get("ETag"))
}
