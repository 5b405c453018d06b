package scannerapi

import "github.com/prometheus/client_golang/prometheus"

type apiMetrics struct {
	authFailures prometheus.Counter
	runs         *prometheus.CounterVec
	events       *prometheus.CounterVec
	findings     prometheus.Counter
}

func newAPIMetrics(reg prometheus.Registerer) *apiMetrics {
	m := &apiMetrics{
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "centralcloud_scanner_auth_failures_total",
			Help: "Scanner requests rejected with 401.",
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "centralcloud_scanner_runs_total",
			Help: "Run registrations by result: created or replayed.",
		}, []string{"result"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "centralcloud_scanner_events_total",
			Help: "Scanner events by results format and whether they were final.",
		}, []string{"format", "final"}),
		findings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "centralcloud_scanner_findings_total",
			Help: "Findings stored from scanner events.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.authFailures, m.runs, m.events, m.findings)
	}
	return m
}
