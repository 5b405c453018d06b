package snapshots

import (
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric names.
const (
	// MetricRequests counts GET and HEAD /patterns/snapshot responses by
	// method and status code.
	MetricRequests = "centralcloud_snapshot_requests_total"
	// MetricETagChecks counts comparisons of a client's ETag with the
	// current one by source ("http" for If-None-Match, "runs" for the runs
	// API) and result ("hit" or "miss"). The hit ratio is
	// rate(result="hit") / rate(all).
	MetricETagChecks = "centralcloud_snapshot_etag_checks_total"
	// MetricBuildDuration observes snapshot builds by result ("created",
	// "reused", "unchanged", "empty" or "failed").
	MetricBuildDuration = "centralcloud_snapshot_build_duration_seconds"
	// MetricBuildSize is the size of the last built snapshot by form
	// ("plaintext" or "ciphertext").
	MetricBuildSize = "centralcloud_snapshot_build_size_bytes"
	// MetricCurrentAge is the age of the snapshot this replica serves.
	MetricCurrentAge = "centralcloud_snapshot_current_age_seconds"
	// MetricReloads counts cache reloads by trigger ("start", "notify",
	// "interval", "retry", "reconnect") and result ("changed",
	// "unchanged", "failed").
	MetricReloads = "centralcloud_snapshot_reloads_total"
)

// Metrics holds the snapshot metrics. A nil *Metrics records nothing, so
// every component works without metrics.
type Metrics struct {
	requests      *prometheus.CounterVec
	etagChecks    *prometheus.CounterVec
	buildDuration *prometheus.HistogramVec
	buildSize     *prometheus.GaugeVec
	reloads       *prometheus.CounterVec
	// currentCreated is the creation time of the served snapshot in Unix
	// nanoseconds, 0 before the first one is held.
	currentCreated atomic.Int64

	// Counters of the frequent label values, resolved once because label
	// hashing is a large part of a 304 response's cost.
	frequentRequests map[requestLabels]prometheus.Counter
	etagHits         map[string][2]prometheus.Counter // by source: miss, hit
}

type requestLabels struct {
	method string
	code   int
}

// RegisterMetrics creates the snapshot metrics and registers them with reg.
func RegisterMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRequests, Help: "Pattern snapshot responses by method and status code.",
		}, []string{"method", "code"}),
		etagChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricETagChecks, Help: "Comparisons of a client's snapshot ETag with the current one, by source and result.",
		}, []string{"source", "result"}),
		buildDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: MetricBuildDuration, Help: "Duration of snapshot builds in seconds, by result.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"result"}),
		buildSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricBuildSize, Help: "Size in bytes of the last built snapshot, by form.",
		}, []string{"form"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricReloads, Help: "Reloads of the in-memory current snapshot, by trigger and result.",
		}, []string{"trigger", "result"}),
	}
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: MetricCurrentAge, Help: "Age in seconds of the snapshot this replica serves.",
	}, m.currentAge)
	for _, c := range []prometheus.Collector{m.requests, m.etagChecks, m.buildDuration, m.buildSize, m.reloads, age} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register snapshot metrics: %w", err)
		}
	}
	m.resolveFrequent()
	return m, nil
}

func (m *Metrics) resolveFrequent() {
	m.frequentRequests = map[requestLabels]prometheus.Counter{}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for _, code := range []int{http.StatusOK, http.StatusNotModified, http.StatusBadRequest} {
			m.frequentRequests[requestLabels{method, code}] = m.requests.WithLabelValues(method, strconv.Itoa(code))
		}
	}
	m.etagHits = map[string][2]prometheus.Counter{}
	for _, source := range []string{"http", "runs"} {
		m.etagHits[source] = [2]prometheus.Counter{
			m.etagChecks.WithLabelValues(source, "miss"), m.etagChecks.WithLabelValues(source, "hit"),
		}
	}
}

func (m *Metrics) currentAge() float64 {
	created := m.currentCreated.Load()
	if created == 0 {
		return 0
	}
	return time.Since(time.Unix(0, created)).Seconds()
}

func (m *Metrics) observeRequest(method string, code int) {
	if m == nil {
		return
	}
	if c, ok := m.frequentRequests[requestLabels{method, code}]; ok {
		c.Inc()
		return
	}
	m.requests.WithLabelValues(method, strconv.Itoa(code)).Inc()
}

// observeETagCheck counts one comparison from source "http" or "runs".
func (m *Metrics) observeETagCheck(source string, hit bool) {
	if m == nil {
		return
	}
	i := 0
	if hit {
		i = 1
	}
	m.etagHits[source][i].Inc()
}

func (m *Metrics) observeBuild(result string, started time.Time) {
	if m != nil {
		m.buildDuration.WithLabelValues(result).Observe(time.Since(started).Seconds())
	}
}

func (m *Metrics) setBuildSize(plaintext, ciphertext int) {
	if m != nil {
		m.buildSize.WithLabelValues("plaintext").Set(float64(plaintext))
		m.buildSize.WithLabelValues("ciphertext").Set(float64(ciphertext))
	}
}

func (m *Metrics) observeReload(trigger, result string) {
	if m != nil {
		m.reloads.WithLabelValues(trigger, result).Inc()
	}
}

func (m *Metrics) setCurrentCreated(t time.Time) {
	if m != nil {
		m.currentCreated.Store(t.UnixNano())
	}
}
