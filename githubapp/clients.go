package githubapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/google/go-github/v62/github"
	"github.com/gregjones/httpcache"
	ghapp "github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// httpCacheEntries bounds each client's HTTP cache.
const httpCacheEntries = 256

// Clients creates GitHub API clients: one for the App itself and one per
// installation. Installation clients reuse their token until shortly before
// it expires (ghinstallation refreshes it) and revalidate cached GET
// responses with ETags.
type Clients struct {
	opts      Options
	creator   ghapp.ClientCreator
	uncached  ghapp.ClientCreator
	transport http.RoundTripper
	baseURL   *url.URL
	metrics   *Metrics

	appOnce   sync.Once
	appClient *github.Client
	appErr    error

	mu      sync.Mutex
	renewed map[int64]*github.Client
}

// NewClients creates the client factory for an enabled App.
func NewClients(opts Options, metrics *Metrics) (*Clients, error) {
	opts = opts.withDefaults()
	if !opts.Enabled() {
		return nil, errors.New("github.app_id: missing; the GitHub App is not configured")
	}
	key, err := opts.privateKeyPEM()
	if err != nil {
		return nil, err
	}
	base, err := newBaseTransport(opts)
	if err != nil {
		return nil, err
	}
	baseURL, err := url.Parse(opts.V3APIURL)
	if err != nil {
		return nil, fmt.Errorf("github.v3_api_url: %w", err)
	}

	c := &Clients{
		opts:      opts,
		transport: instrument(metrics)(base),
		baseURL:   baseURL,
		metrics:   metrics,
		renewed:   map[int64]*github.Client{},
	}
	if err := c.newCreators(key); err != nil {
		return nil, err
	}
	return c, nil
}

// newCreators creates go-githubapp's caching client creator, and an
// uncached one for token renewals, and checks the private key.
func (c *Clients) newCreators(key []byte) error {
	opts := c.opts
	cfg := ghapp.Config{WebURL: opts.WebURL, V3APIURL: opts.V3APIURL, V4APIURL: opts.v4APIURL()}
	cfg.App.IntegrationID = opts.AppID
	cfg.App.PrivateKey = string(key)
	cfg.App.WebhookSecret = opts.WebhookSecret
	clientOpts := []ghapp.ClientOption{
		ghapp.WithClientUserAgent(opts.UserAgent),
		ghapp.WithClientTimeout(opts.RequestTimeout),
		ghapp.WithClientCaching(true, newHTTPCache),
		ghapp.WithTransport(c.transport),
	}
	var err error
	c.creator, err = ghapp.NewDefaultCachingClientCreator(cfg, clientOpts...)
	if err != nil {
		return fmt.Errorf("create GitHub client creator: %w", err)
	}
	c.uncached = ghapp.NewClientCreator(cfg.V3APIURL, cfg.V4APIURL, opts.AppID, key, clientOpts...)
	if _, err := c.uncached.NewAppClient(); err != nil {
		return fmt.Errorf("github.private_key: %w; give the App's PEM private key", err)
	}
	return nil
}

// Installation returns the client of one installation.
func (c *Clients) Installation(installationID int64) (*github.Client, error) {
	c.mu.Lock()
	client, ok := c.renewed[installationID]
	c.mu.Unlock()
	if ok {
		return client, nil
	}
	client, err := c.creator.NewInstallationClient(installationID)
	if err != nil {
		return nil, fmt.Errorf("create client for installation %d: %w", installationID, err)
	}
	return client, nil
}

// Renew replaces the client of one installation with a new one, which
// requests a new installation token on its first call. It is used after
// GitHub rejects the cached token with 401. The new client shadows the one
// in go-githubapp's cache, which cannot evict a single installation.
func (c *Clients) Renew(installationID int64) (*github.Client, error) {
	client, err := c.uncached.NewInstallationClient(installationID)
	if err != nil {
		return nil, fmt.Errorf("renew client for installation %d: %w", installationID, err)
	}
	c.mu.Lock()
	c.renewed[installationID] = client
	c.mu.Unlock()
	return client, nil
}

// App returns the client that authenticates as the App with a JWT.
func (c *Clients) App() (*github.Client, error) {
	c.appOnce.Do(func() {
		c.appClient, c.appErr = c.creator.NewAppClient()
	})
	if c.appErr != nil {
		return nil, fmt.Errorf("create GitHub App client: %w", c.appErr)
	}
	return c.appClient, nil
}

// withInstallation runs call with the installation's client. When GitHub
// rejects the token with 401, it renews the token once and calls again.
// Calling again is safe because a 401 rejects the request before it has
// any effect.
func (c *Clients) withInstallation(ctx context.Context, installationID int64, call func(*github.Client) error) error {
	client, err := c.Installation(installationID)
	if err != nil {
		return err
	}
	err = call(client)
	if statusCode(err) != http.StatusUnauthorized {
		return err
	}
	zerolog.Ctx(ctx).Info().Int64(logkey.InstallationID, installationID).
		Msg("installation token rejected; renewing it")
	client, err = c.Renew(installationID)
	if err != nil {
		return err
	}
	return call(client)
}

// newHTTPCache returns a bounded in-memory HTTP cache for one client.
func newHTTPCache() httpcache.Cache {
	return newLRUHTTPCache(httpCacheEntries)
}
