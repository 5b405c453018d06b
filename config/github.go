package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// GitHubConfig configures the GitHub App. With no app id, webhooks and
// checks are off.
type GitHubConfig struct {
	AppID int64 `yaml:"app_id"`
	// PrivateKey is the App's PEM private key text.
	PrivateKey     string `yaml:"private_key"`
	PrivateKeyFile string `yaml:"private_key_file"`
	WebhookSecret  string `yaml:"webhook_secret"`
	// WebhookSecretFile is a file that contains the webhook secret.
	WebhookSecretFile string `yaml:"webhook_secret_file"`
	V3APIURL          string `yaml:"v3_api_url"`
	WebURL            string `yaml:"web_url"`
	// CAFile is a PEM bundle of extra certificate authorities for a GitHub
	// Enterprise Server with a private CA.
	CAFile string `yaml:"ca_file"`
	// ProxyURL is the HTTP proxy for GitHub calls. Empty: HTTPS_PROXY and
	// NO_PROXY from the environment.
	ProxyURL string `yaml:"proxy_url"`
	// RequestTimeout bounds each GitHub API call.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// CheckDeadline is how long a check run may stay queued or in progress
	// before the reconciler completes it as timed_out or publishes it
	// again.
	CheckDeadline time.Duration `yaml:"check_deadline"`
	// ReconcileInterval is how often each worker looks for such check runs.
	ReconcileInterval time.Duration `yaml:"reconcile_interval"`
	// TokenCacheTTL is how long the check of an installation token is
	// cached.
	TokenCacheTTL time.Duration `yaml:"token_cache_ttl"`
	// DeliveryRetention is how long webhook delivery ids are kept to
	// detect redeliveries.
	DeliveryRetention time.Duration `yaml:"delivery_retention"`
}

// Enabled reports whether a GitHub App is configured.
func (g *GitHubConfig) Enabled() bool { return g.AppID != 0 }

func (g *GitHubConfig) defaults() {
	g.V3APIURL = "https://api.github.com/"
	g.WebURL = "https://github.com/"
	g.RequestTimeout = 30 * time.Second
	g.CheckDeadline = 30 * time.Minute
	g.ReconcileInterval = time.Minute
	g.TokenCacheTTL = time.Minute
	g.DeliveryRetention = 7 * 24 * time.Hour
}

func (g *GitHubConfig) resolveFiles() error {
	if err := readSecretFile(&g.PrivateKey, g.PrivateKeyFile, "github.private_key_file"); err != nil {
		return err
	}
	return readSecretFile(&g.WebhookSecret, g.WebhookSecretFile, "github.webhook_secret_file")
}

func (g *GitHubConfig) validate() error {
	var errs []error
	for key, raw := range map[string]string{"github.v3_api_url": g.V3APIURL, "github.web_url": g.WebURL} {
		if u, err := url.Parse(raw); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an absolute URL", key, raw))
		}
	}
	if g.ProxyURL != "" {
		if u, err := url.Parse(g.ProxyURL); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("github.proxy_url %q is not an absolute URL: use e.g. http://proxy.internal:3128", g.ProxyURL))
		}
	}
	for key, d := range map[string]time.Duration{
		"github.request_timeout": g.RequestTimeout, "github.check_deadline": g.CheckDeadline,
		"github.reconcile_interval": g.ReconcileInterval, "github.token_cache_ttl": g.TokenCacheTTL,
		"github.delivery_retention": g.DeliveryRetention,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, e.g. 1m", key))
		}
	}
	if !g.Enabled() {
		return errors.Join(errs...)
	}
	if g.AppID < 0 {
		errs = append(errs, fmt.Errorf("github.app_id %d is invalid: use the App's numeric id from its settings page", g.AppID))
	}
	if g.PrivateKey == "" {
		errs = append(errs, errors.New("github.private_key is missing: set it (PEM text) or github.private_key_file"))
	}
	if g.WebhookSecret == "" {
		errs = append(errs, errors.New("github.webhook_secret is missing: set it or github.webhook_secret_file to the App's webhook secret"))
	}
	return errors.Join(errs...)
}
