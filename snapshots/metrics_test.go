package snapshots

import (
	"context"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestMetricsRecordRequestsBuildsAndAge(t *testing.T) {
	t.Parallel()
	e := setup(t)
	reg := prometheus.NewRegistry()
	metrics, err := RegisterMetrics(reg)
	require.NoError(t, err)
	e.syncer = NewSyncer(e.pool, e.keyring, SyncerOptions{Metrics: metrics})
	e.cache = NewCache(e.pool, e.keyring, CacheOptions{Metrics: metrics})
	result := e.publishAndSync(t, sampleBundle(3))
	_, err = e.cache.Reload(context.Background())
	require.NoError(t, err)

	s := &served{env: e, srv: mountAt(t, NewHandler(e.cache)), etag: result.ETag}
	s.srv.URL += "/patterns/snapshot"
	client := newClient(t, "http://127.0.0.1", "")
	s.key = client.ClientKey()
	s.do(t, http.MethodGet, map[string][]string{"X-Client-Key": {s.key}})
	s.do(t, http.MethodGet, map[string][]string{"If-None-Match": {`"` + s.etag + `"`}})
	s.do(t, http.MethodGet, map[string][]string{"If-None-Match": {`"stale"`}, "X-Client-Key": {s.key}})
	s.do(t, http.MethodHead, nil)
	e.cache.Matches(s.etag)

	require.Equal(t, 1.0, testutil.ToFloat64(metrics.requests.WithLabelValues("GET", "304")))
	require.Equal(t, 2.0, testutil.ToFloat64(metrics.requests.WithLabelValues("GET", "200")))
	require.Equal(t, 1.0, testutil.ToFloat64(metrics.requests.WithLabelValues("HEAD", "200")))
	require.Equal(t, 1.0, testutil.ToFloat64(metrics.etagChecks.WithLabelValues("http", "hit")))
	require.Equal(t, 1.0, testutil.ToFloat64(metrics.etagChecks.WithLabelValues("http", "miss")))
	require.Equal(t, 1.0, testutil.ToFloat64(metrics.etagChecks.WithLabelValues("runs", "hit")))
	require.Equal(t, float64(result.PlaintextSize), testutil.ToFloat64(metrics.buildSize.WithLabelValues("plaintext")))
	require.Greater(t, metrics.currentAge(), 0.0)

	families, err := reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, name := range []string{MetricRequests, MetricETagChecks, MetricBuildDuration, MetricBuildSize, MetricCurrentAge} {
		require.True(t, names[name], "%s is exported", name)
	}
	_, err = RegisterMetrics(reg)
	require.Error(t, err, "registering twice is reported")
}
