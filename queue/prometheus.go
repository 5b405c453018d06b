package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
)

// Prometheus metric names, all labelled by queue.
const (
	MetricQueueLength        = "centralcloud_queue_length"
	MetricQueueVisibleLength = "centralcloud_queue_visible_length"
	MetricQueueOldestAge     = "centralcloud_queue_oldest_message_age_seconds"
	MetricProcessed          = "centralcloud_queue_messages_processed_total"
	MetricRetried            = "centralcloud_queue_messages_retried_total"
	MetricDeadLettered       = "centralcloud_queue_messages_dead_lettered_total"
	MetricPanics             = "centralcloud_queue_handler_panics_total"
	MetricHandlerDuration    = "centralcloud_queue_handler_duration_seconds"
)

// Outcomes of one handled message, the values of the handler duration's
// "outcome" label.
const (
	OutcomeProcessed    = "processed"
	OutcomeRetried      = "retried"
	OutcomeDeadLettered = "dead_lettered"
	// OutcomeReleased is a handler stopped by shutdown; its message
	// reappears after its visibility timeout.
	OutcomeReleased = "released"
	// OutcomeDuplicate is a handler that found its message already
	// finished by another consumer (DeleteTx returned ErrMessageNotFound).
	OutcomeDuplicate = "duplicate"
)

// RunnerMetrics counts what Runners do. Create it with
// RegisterRunnerMetrics and pass it in RunnerOptions; a nil *RunnerMetrics
// records nothing.
type RunnerMetrics struct {
	processed    *prometheus.CounterVec
	retried      *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	panics       *prometheus.CounterVec
	duration     *prometheus.HistogramVec
}

// RegisterRunnerMetrics registers the Runner counters and the handler
// duration histogram on reg. Register them once per process, and share the
// result among its Runners.
func RegisterRunnerMetrics(reg prometheus.Registerer) (*RunnerMetrics, error) {
	m := &RunnerMetrics{
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricProcessed, Help: "Messages whose handler succeeded.",
		}, []string{"queue"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRetried, Help: "Messages whose handler failed and that will be read again.",
		}, []string{"queue"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricDeadLettered, Help: "Messages archived as dead letters with their last error.",
		}, []string{"queue"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricPanics, Help: "Handler panics recovered by the runner.",
		}, []string{"queue"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricHandlerDuration,
			Help:    "Time spent in a handler, by queue and outcome.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"queue", "outcome"}),
	}
	for _, c := range []prometheus.Collector{m.processed, m.retried, m.deadLettered, m.panics, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register queue runner metrics: %w", err)
		}
	}
	return m, nil
}

// RegisterQueueCollector registers gauges of each queue's length, visible
// length and oldest message age on reg. They are read from
// pgmq.metrics_all at each scrape, so every replica, serving or working,
// reports the shared queues as the database has them. A scrape waits at
// most 5 seconds for the database. When the query fails, the error goes
// to logger and that scrape has no queue gauges.
func RegisterQueueCollector(reg prometheus.Registerer, db database.DBTX, logger zerolog.Logger) error {
	c := &depthCollector{db: db, logger: logger, timeout: 5 * time.Second}
	if err := reg.Register(c); err != nil {
		return fmt.Errorf("register queue depth metrics: %w", err)
	}
	return nil
}

func (m *RunnerMetrics) observe(queueName, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(queueName, outcome).Observe(took.Seconds())
	switch outcome {
	case OutcomeProcessed:
		m.processed.WithLabelValues(queueName).Inc()
	case OutcomeRetried:
		m.retried.WithLabelValues(queueName).Inc()
	case OutcomeDeadLettered:
		m.deadLettered.WithLabelValues(queueName).Inc()
	}
}

func (m *RunnerMetrics) panicked(queueName string) {
	if m != nil {
		m.panics.WithLabelValues(queueName).Inc()
	}
}

// depthCollector turns pgmq.metrics_all into gauges at scrape time.
type depthCollector struct {
	db      database.DBTX
	logger  zerolog.Logger
	timeout time.Duration
}

var (
	lengthDesc = prometheus.NewDesc(MetricQueueLength,
		"Messages in the queue, visible or hidden.", []string{"queue"}, nil)
	visibleLengthDesc = prometheus.NewDesc(MetricQueueVisibleLength,
		"Messages that a read would take now.", []string{"queue"}, nil)
	oldestAgeDesc = prometheus.NewDesc(MetricQueueOldestAge,
		"Age of the oldest message in the queue, 0 when empty.", []string{"queue"}, nil)
)

func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- lengthDesc
	ch <- visibleLengthDesc
	ch <- oldestAgeDesc
}

func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	all, err := MetricsAll(ctx, c.db)
	if err != nil {
		c.logger.Error().Err(err).Str(logkey.Component, "queue-metrics").Msg("queue metrics scrape failed")
		return
	}
	for _, s := range all {
		ch <- prometheus.MustNewConstMetric(lengthDesc, prometheus.GaugeValue, float64(s.Length), s.Queue)
		ch <- prometheus.MustNewConstMetric(visibleLengthDesc, prometheus.GaugeValue, float64(s.VisibleLength), s.Queue)
		ch <- prometheus.MustNewConstMetric(oldestAgeDesc, prometheus.GaugeValue, s.OldestAge.Seconds(), s.Queue)
	}
}
