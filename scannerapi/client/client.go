package client

import (
	"crypto/hpke"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/zerolog"

	snapclient "github.com/centralcloud/centralcloud/snapshots/client"
)

// Paths of the scanner API below the base URL.
const (
	RunsPath   = "/scanner/runs"
	EventsPath = "/scanner/events"
)

// Options configures a Client. Only Token is required.
type Options struct {
	// Token is sent as "Authorization: Bearer <token>": an org token
	// (cct_…) or a GitHub App installation access token (ghs_…).
	Token string
	// HTTPClient sends the requests; nil means http.DefaultClient. Set its
	// Timeout to bound each attempt.
	HTTPClient *http.Client
	// UserAgent is sent with every request; empty means
	// "centralcloud-scanner-client".
	UserAgent string
	// Retry is the policy for retrying failed requests.
	Retry RetryPolicy
	// Limits bound the events that Upload sends.
	Limits Limits
	// ClientKey is the HPKE private key that pattern snapshots are sealed
	// to. Nil generates one for the lifetime of the Client; State keeps one
	// between processes.
	ClientKey hpke.PrivateKey
	// Logger receives a line for each retry; nil logs nothing.
	Logger *zerolog.Logger
}

// Client calls the scanner API. It is safe for concurrent use.
type Client struct {
	baseURL   string
	token     string
	http      *http.Client
	userAgent string
	retry     RetryPolicy
	limits    Limits
	snapshots *snapclient.Client
	logger    zerolog.Logger
}

// New returns a Client for the CentralCloud service at baseURL, such as
// "https://centralcloud.example.com".
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid server URL %q: expected an absolute http or https URL", baseURL)
	}
	if opts.Token == "" {
		return nil, fmt.Errorf("missing token: pass an org token (cct_…) or a GitHub App installation token (ghs_…)")
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = http.DefaultClient
	}

	base := strings.TrimSuffix(u.String(), "/")
	snapshots, err := snapclient.New(base, snapclient.Options{
		HTTPClient: httpClient, Token: opts.Token, PrivateKey: opts.ClientKey,
	})
	if err != nil {
		return nil, err
	}

	c := &Client{
		baseURL:   base,
		token:     opts.Token,
		http:      httpClient,
		userAgent: opts.UserAgent,
		retry:     opts.Retry.withDefaults(),
		limits:    opts.Limits.withDefaults(),
		snapshots: snapshots,
		logger:    zerolog.Nop(),
	}
	if c.userAgent == "" {
		c.userAgent = "centralcloud-scanner-client"
	}
	if opts.Logger != nil {
		c.logger = *opts.Logger
	}
	return c, nil
}

// Snapshots returns the pattern snapshot client, which holds the last
// verified snapshot.
func (c *Client) Snapshots() *snapclient.Client {
	return c.snapshots
}
