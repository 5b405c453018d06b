package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "centralcloud_http_requests_total",
			Help: "HTTP requests by route pattern, method and status class (2xx, 4xx, ...).",
		}, []string{"route", "method", "status_class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "centralcloud_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

// statusClasses are the status_class label values by status / 100.
var statusClasses = [...]string{"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"}

// observe counts one completed request and records its latency.
func (m *httpMetrics) observe(route, method string, status int, elapsed time.Duration) {
	class := strconv.Itoa(status/100) + "xx"
	if status/100 < len(statusClasses) {
		class = statusClasses[status/100]
	}
	m.requests.WithLabelValues(route, method, class).Inc()
	m.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
}
