package main

import (
	"os"
	"regexp"
	"sort"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/database/dbtest"
)

// describingRegisterer records the name of every metric registered
// through it, including vectors that have no series yet and so do not
// show in a scrape.
type describingRegisterer struct {
	*prometheus.Registry
	names map[string]bool
}

var descName = regexp.MustCompile(`fqName: "([^"]+)"`)

func (d *describingRegisterer) Register(c prometheus.Collector) error {
	descs := make(chan *prometheus.Desc, 64)
	go func() {
		c.Describe(descs)
		close(descs)
	}()
	for desc := range descs {
		if m := descName.FindStringSubmatch(desc.String()); m != nil {
			d.names[m[1]] = true
		}
	}
	return d.Registry.Register(c)
}

func (d *describingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := d.Register(c); err != nil {
			panic(err)
		}
	}
}

// serviceMetricNames assembles a process with every role and returns the
// names of the CentralCloud metrics it registers.
func serviceMetricNames(t *testing.T) []string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database.URL = dbtest.URL(t)
	app := &cliApp{cfg: cfg, logger: zerolog.Nop()}
	reg := &describingRegisterer{Registry: prometheus.NewRegistry(), names: map[string]bool{}}
	_, err := newService(app, dbtest.Pool(t), roles{serve: true, work: true}, reg, reg.Registry)
	require.NoError(t, err)
	var names []string
	for name := range reg.names {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

var documentedMetric = regexp.MustCompile("(?m)^\\| `(centralcloud_[a-z0-9_]+)`")

// Every metric the service registers is documented in docs/metrics.md, and
// every documented metric exists.
func TestMetricsDocumented(t *testing.T) {
	t.Parallel()
	registered := serviceMetricNames(t)
	data, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	var documented []string
	for _, m := range documentedMetric.FindAllStringSubmatch(string(data), -1) {
		documented = append(documented, m[1])
	}
	sort.Strings(documented)
	require.NotEmpty(t, registered)
	require.Equal(t, registered, documented, "docs/metrics.md and the registered metrics differ")
}
