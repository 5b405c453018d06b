package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// HTTPConfig configures the HTTP listener.
type HTTPConfig struct {
	// Addr is the listen address, host:port.
	Addr string `yaml:"addr"`
	// PublicURL is the externally reachable base URL, used for Check Run
	// details links. Empty: no links.
	PublicURL string `yaml:"public_url"`
	// MaxBodyBytes limits request bodies after decompression.
	MaxBodyBytes      int64         `yaml:"max_body_bytes"`
	MaxHeaderBytes    int           `yaml:"max_header_bytes"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	// ShutdownTimeout bounds how long in-flight requests may finish after
	// SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

func (h *HTTPConfig) defaults() {
	h.Addr = "127.0.0.1:8080"
	h.MaxBodyBytes = 32 << 20
	h.MaxHeaderBytes = 64 << 10
	h.ReadHeaderTimeout = 5 * time.Second
	h.ReadTimeout = 60 * time.Second
	h.WriteTimeout = 60 * time.Second
	h.IdleTimeout = 120 * time.Second
	h.ShutdownTimeout = 20 * time.Second
}

func (h *HTTPConfig) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(h.Addr); err != nil {
		errs = append(errs, fmt.Errorf("http.addr %q is not host:port: use e.g. 127.0.0.1:8080 or :8080", h.Addr))
	}
	if h.PublicURL != "" {
		if u, err := url.Parse(h.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("http.public_url %q is not an absolute URL: use e.g. https://centralcloud.example.com", h.PublicURL))
		}
	}
	if h.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("http.max_body_bytes %d is below 1024: raise it", h.MaxBodyBytes))
	}
	if h.MaxHeaderBytes < 4096 {
		errs = append(errs, fmt.Errorf("http.max_header_bytes %d is below 4096: raise it", h.MaxHeaderBytes))
	}
	for key, d := range map[string]time.Duration{
		"http.read_header_timeout": h.ReadHeaderTimeout, "http.read_timeout": h.ReadTimeout,
		"http.write_timeout": h.WriteTimeout, "http.idle_timeout": h.IdleTimeout,
		"http.shutdown_timeout": h.ShutdownTimeout,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, e.g. 30s", key))
		}
	}
	return errors.Join(errs...)
}

// DatabaseConfig configures Postgres.
type DatabaseConfig struct {
	// URL of the database. Empty: an embedded Postgres in data_dir.
	URL string `yaml:"url"`
	// URLFile is a file that contains the URL, for secrets mounted as files.
	URLFile  string `yaml:"url_file"`
	MaxConns int    `yaml:"max_conns"`
	// MigrateOnStart applies pending migrations when serve, worker or run
	// starts.
	MigrateOnStart bool          `yaml:"migrate_on_start"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// PostgresBinDir holds initdb and pg_ctl for the embedded Postgres.
	// Empty: searched in PATH and the usual install folders.
	PostgresBinDir string `yaml:"postgres_bin_dir"`
}

func (d *DatabaseConfig) defaults() {
	d.MaxConns = 20
	d.MigrateOnStart = true
	d.ConnectTimeout = 5 * time.Second
}

func (d *DatabaseConfig) validate() error {
	var errs []error
	if d.URL != "" {
		if u, err := url.Parse(d.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("database.url is not a postgres:// URL: use postgres://user:password@host:5432/dbname"))
		}
	}
	if d.MaxConns < 2 {
		errs = append(errs, fmt.Errorf("database.max_conns %d is below 2: raise it", d.MaxConns))
	}
	if d.ConnectTimeout <= 0 {
		errs = append(errs, errors.New("database.connect_timeout must be positive, e.g. 5s"))
	}
	return errors.Join(errs...)
}

// LogConfig configures logging.
type LogConfig struct {
	// Level is one of debug, info, warn, error.
	Level string `yaml:"level"`
	// Format is json or console.
	Format string `yaml:"format"`
	// FlushInterval is how long run, serve and worker buffer json lines
	// below warn level before writing them in one batch; 0 writes each
	// line at once.
	FlushInterval time.Duration `yaml:"flush_interval"`
}

func (l *LogConfig) defaults() {
	l.Level = "info"
	l.Format = "json"
	l.FlushInterval = 100 * time.Millisecond
}

func (l *LogConfig) validate() error {
	var errs []error
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q is invalid: use debug, info, warn or error", l.Level))
	}
	if l.Format != "json" && l.Format != "console" {
		errs = append(errs, fmt.Errorf("log.format %q is invalid: use json or console", l.Format))
	}
	if l.FlushInterval < 0 || l.FlushInterval > 10*time.Second {
		errs = append(errs, fmt.Errorf("log.flush_interval %s is invalid: use 0 (write each line at once) up to 10s", l.FlushInterval))
	}
	return errors.Join(errs...)
}

// PolicyDefaults are the org policies in force where an org sets none.
type PolicyDefaults struct {
	TelemetryEnabled bool `yaml:"telemetry_enabled"`
	LearningEnabled  bool `yaml:"learning_enabled"`
	// FailOn is the lowest severity that fails a check: error, warning or
	// note.
	FailOn string `yaml:"fail_on"`
}

func (p *PolicyDefaults) defaults() {
	p.TelemetryEnabled = true
	p.LearningEnabled = true
	p.FailOn = "error"
}

func (p *PolicyDefaults) validate() error {
	switch p.FailOn {
	case "error", "warning", "note":
		return nil
	}
	return fmt.Errorf("policies.fail_on %q is invalid: use error, warning or note", p.FailOn)
}

// ScannerConfig configures the scanner API.
type ScannerConfig struct {
	// RateLimitPerMinute caps requests per token per minute.
	RateLimitPerMinute int `yaml:"rate_limit_per_minute"`
	// InstallationTokenCacheTTL is how long a verified GitHub installation
	// token's repository list is reused.
	InstallationTokenCacheTTL time.Duration `yaml:"installation_token_cache_ttl"`
	// MaxFindings caps the findings in one event.
	MaxFindings int `yaml:"max_findings"`
	// AuthFailuresPerMinute caps requests with rejected tokens per client
	// address per minute.
	AuthFailuresPerMinute int `yaml:"auth_failures_per_minute"`
	// TokenCacheTTL is how long each replica reuses an authenticated org
	// token without a database lookup, so revocation takes up to this long.
	TokenCacheTTL time.Duration `yaml:"token_cache_ttl"`
}

func (s *ScannerConfig) defaults() {
	s.RateLimitPerMinute = 600
	s.InstallationTokenCacheTTL = time.Minute
	s.MaxFindings = 50000
	s.AuthFailuresPerMinute = 60
	s.TokenCacheTTL = 10 * time.Second
}

func (s *ScannerConfig) validate() error {
	var errs []error
	if s.RateLimitPerMinute < 1 {
		errs = append(errs, fmt.Errorf("scanner.rate_limit_per_minute %d must be at least 1", s.RateLimitPerMinute))
	}
	if s.InstallationTokenCacheTTL < 0 {
		errs = append(errs, errors.New("scanner.installation_token_cache_ttl must not be negative"))
	}
	if s.TokenCacheTTL < 0 || s.TokenCacheTTL > 5*time.Minute {
		errs = append(errs, fmt.Errorf("scanner.token_cache_ttl %s is outside 0 to 5m: use e.g. 10s, or 0 to look every request up", s.TokenCacheTTL))
	}
	if s.AuthFailuresPerMinute < 1 {
		errs = append(errs, fmt.Errorf("scanner.auth_failures_per_minute %d must be at least 1", s.AuthFailuresPerMinute))
	}
	if s.MaxFindings < 1 {
		errs = append(errs, fmt.Errorf("scanner.max_findings %d must be at least 1", s.MaxFindings))
	}
	return errors.Join(errs...)
}
