package githubapp

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric names, so that code and docs spell each one the same way.
const (
	MetricWebhookDeliveries     = "centralcloud_github_webhook_deliveries_total"
	MetricAPIRequests           = "centralcloud_github_api_requests_total"
	MetricAPIRequestDuration    = "centralcloud_github_api_request_duration_seconds"
	MetricRateLimitRemaining    = "centralcloud_github_rate_limit_remaining"
	MetricCheckPublishLatency   = "centralcloud_check_publish_latency_seconds"
	MetricCheckRunsCompleted    = "centralcloud_check_runs_completed_total"
	MetricTokenVerifications    = "centralcloud_github_token_verifications_total"
	MetricReconciledCheckRuns   = "centralcloud_check_runs_reconciled_total"
	labelEvent                  = "event"
	labelAction                 = "action"
	labelResult                 = "result"
	labelStatusClass            = "status_class"
	labelInstallation           = "installation"
	labelConclusion             = "conclusion"
	labelMode                   = "mode"
	labelOutcome                = "outcome"
	webhookResultProcessed      = "processed"
	webhookResultDuplicate      = "duplicate"
	webhookResultIgnored        = "ignored"
	webhookResultUnhandledEvent = "unhandled_event"
	webhookResultInvalid        = "invalid"
	webhookResultFailed         = "failed"
)

// Metrics holds the Prometheus collectors of the GitHub App.
type Metrics struct {
	webhookDeliveries  *prometheus.CounterVec
	apiRequests        *prometheus.CounterVec
	apiDuration        *prometheus.HistogramVec
	rateLimitRemaining *prometheus.GaugeVec
	publishLatency     prometheus.Histogram
	checksCompleted    *prometheus.CounterVec
	tokenVerifications *prometheus.CounterVec
	reconciled         *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them with reg. A nil reg
// creates unregistered collectors, for tests that do not read them.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		webhookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricWebhookDeliveries,
			Help: "GitHub webhook deliveries received, by event, action and result.",
		}, []string{labelEvent, labelAction, labelResult}),
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricAPIRequests,
			Help: "GitHub API requests sent, by response status class and installation.",
		}, []string{labelStatusClass, labelInstallation}),
		apiDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricAPIRequestDuration,
			Help:    "GitHub API request duration in seconds, by response status class.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{labelStatusClass}),
		rateLimitRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricRateLimitRemaining,
			Help: "GitHub API requests remaining in the current rate-limit window, by installation.",
		}, []string{labelInstallation}),
		publishLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    MetricCheckPublishLatency,
			Help:    "Seconds from a scanner run's final event to its check run (or commit status) completed on GitHub.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}),
		checksCompleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricCheckRunsCompleted,
			Help: "Check runs completed on GitHub, by conclusion and mode (check_run or commit_status).",
		}, []string{labelConclusion, labelMode}),
		tokenVerifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricTokenVerifications,
			Help: "Installation token checks, by outcome (valid, invalid, suspended, not_installed, error, cached).",
		}, []string{labelOutcome}),
		reconciled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricReconciledCheckRuns,
			Help: "Stale check runs found by the reconciler, by outcome (timed_out or retried).",
		}, []string{labelOutcome}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if errors.As(err, &already) {
				return nil, fmt.Errorf("register GitHub App metrics: %w; create Metrics once per registry", err)
			}
			return nil, fmt.Errorf("register GitHub App metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.webhookDeliveries, m.apiRequests, m.apiDuration, m.rateLimitRemaining,
		m.publishLatency, m.checksCompleted, m.tokenVerifications, m.reconciled,
	}
}

func (m *Metrics) countDelivery(event, action, result string) {
	m.webhookDeliveries.WithLabelValues(event, action, result).Inc()
}
