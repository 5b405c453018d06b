package githubapp

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults for Options fields left zero.
const (
	DefaultV3APIURL          = "https://api.github.com/"
	DefaultWebURL            = "https://github.com/"
	DefaultRequestTimeout    = 30 * time.Second
	DefaultCheckDeadline     = 30 * time.Minute
	DefaultReconcileInterval = time.Minute
	DefaultTokenCacheTTL     = time.Minute
	DefaultDeliveryRetention = 7 * 24 * time.Hour
)

// Options configures the GitHub App. The cmd package fills it from the
// github section of the configuration.
type Options struct {
	// AppID is the GitHub App's id. Zero turns webhooks and checks off.
	AppID int64
	// PrivateKey is the App's PEM-encoded private key. PrivateKeyFile names
	// a file that contains it instead.
	PrivateKey     string
	PrivateKeyFile string
	// WebhookSecret is the secret that GitHub signs deliveries with.
	WebhookSecret string
	// V3APIURL is the REST API base URL: https://api.github.com/ or, for
	// GitHub Enterprise Server, https://HOST/api/v3/.
	V3APIURL string
	// WebURL is the web base URL: https://github.com/ or https://HOST/.
	WebURL string
	// CAFile names a PEM bundle of extra certificate authorities to trust,
	// for a GitHub Enterprise Server with a private CA.
	CAFile string
	// ProxyURL is the HTTP proxy for GitHub calls. Empty uses the
	// HTTPS_PROXY and NO_PROXY environment variables.
	ProxyURL string
	// PublicURL is this service's base URL as users reach it. When set,
	// check runs link to PublicURL/runs/{server_run_id}.
	PublicURL string
	// UserAgent prefixes the User-Agent of every GitHub call.
	UserAgent string
	// RequestTimeout bounds each GitHub call.
	RequestTimeout time.Duration
	// CheckDeadline is how long a check run may stay queued or in progress
	// before the reconciler completes or retries it.
	CheckDeadline time.Duration
	// ReconcileInterval is how often the reconciler looks for stale checks.
	ReconcileInterval time.Duration
	// TokenCacheTTL is how long an installation token check is cached.
	TokenCacheTTL time.Duration
	// DeliveryRetention is how long webhook delivery ids are kept for
	// deduplication.
	DeliveryRetention time.Duration
}

// Enabled reports whether a GitHub App is configured. Without one the
// service runs with webhooks and checks off.
func (o Options) Enabled() bool {
	return o.AppID != 0
}

// withDefaults returns o with zero fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.V3APIURL == "" {
		o.V3APIURL = DefaultV3APIURL
	}
	if !strings.HasSuffix(o.V3APIURL, "/") {
		o.V3APIURL += "/"
	}
	if o.WebURL == "" {
		o.WebURL = DefaultWebURL
	}
	if o.UserAgent == "" {
		o.UserAgent = "centralcloud"
	}
	o.PublicURL = strings.TrimSuffix(o.PublicURL, "/")
	setDuration(&o.RequestTimeout, DefaultRequestTimeout)
	setDuration(&o.CheckDeadline, DefaultCheckDeadline)
	setDuration(&o.ReconcileInterval, DefaultReconcileInterval)
	setDuration(&o.TokenCacheTTL, DefaultTokenCacheTTL)
	setDuration(&o.DeliveryRetention, DefaultDeliveryRetention)
	return o
}

func setDuration(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Validate checks the options of an enabled App. Messages name the
// configuration key and the fix.
func (o Options) Validate() error {
	if !o.Enabled() {
		return nil
	}
	var errs []error
	if o.AppID < 0 {
		errs = append(errs, fmt.Errorf("github.app_id: %d is invalid; set the App id shown on the App's settings page", o.AppID))
	}
	if o.PrivateKey == "" && o.PrivateKeyFile == "" {
		errs = append(errs, errors.New("github.private_key: missing; set the App's PEM private key or github.private_key_file"))
	}
	if o.PrivateKey != "" && o.PrivateKeyFile != "" {
		errs = append(errs, errors.New("github.private_key_file: set either github.private_key or github.private_key_file, not both"))
	}
	if o.WebhookSecret == "" {
		errs = append(errs, errors.New("github.webhook_secret: missing; set the secret configured on the App's webhook"))
	}
	for key, value := range map[string]string{
		"github.v3_api_url": o.V3APIURL,
		"github.web_url":    o.WebURL,
		"github.proxy_url":  o.ProxyURL,
		"github.public_url": o.PublicURL,
	} {
		if err := validateURL(key, value); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func validateURL(key, value string) error {
	if value == "" {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %q is not an absolute http(s) URL", key, value)
	}
	return nil
}

// privateKeyPEM returns the App's private key from the option or its file.
func (o Options) privateKeyPEM() ([]byte, error) {
	if o.PrivateKey != "" {
		return []byte(o.PrivateKey), nil
	}
	key, err := os.ReadFile(o.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("read github.private_key_file: %w", err)
	}
	return key, nil
}

// v4APIURL derives the GraphQL URL that go-githubapp requires from the
// REST URL. CentralCloud makes no GraphQL calls.
func (o Options) v4APIURL() string {
	if base, ok := strings.CutSuffix(o.V3APIURL, "/api/v3/"); ok {
		return base + "/api/graphql"
	}
	return strings.TrimSuffix(o.V3APIURL, "/") + "/graphql"
}
