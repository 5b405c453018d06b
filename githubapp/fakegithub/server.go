package fakegithub

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// apiPrefix is the path of the REST API below the server root. The fake is
// laid out like GitHub Enterprise Server (API under /api/v3/, web pages at
// the root), so a client that ignores the configured base path fails here.
const apiPrefix = "/api/v3/"

// Options configures a fake GitHub server. Only AppID and PublicKey are
// required; every other field has a default.
type Options struct {
	// AppID is the GitHub App id, expected as the JWT "iss" claim.
	AppID int64
	// ClientID is also accepted as the JWT "iss" claim, as GitHub accepts
	// either. Default "Iv1.fake<AppID>".
	ClientID string
	// AppSlug is the App's URL name. Default "centralcloud".
	AppSlug string
	// AppName is the App's display name. Default "CentralCloud".
	AppName string
	// AppOwner is the account that owns the App. Default the organization
	// "centralcloud".
	AppOwner Account
	// AppPermissions are the permissions the App requests, shown by GET /app.
	// Installations seeded without permissions get these.
	AppPermissions map[string]string
	// AppEvents are the webhook events the App subscribes to.
	AppEvents []string
	// PublicKey verifies the RS256 signature of the App's JWTs.
	PublicKey *rsa.PublicKey

	// Installations are the installations that exist when the server starts.
	Installations []Installation

	// TokenTTL is the lifetime of issued installation tokens. Default one
	// hour, as on GitHub.
	TokenTTL time.Duration
	// RateLimit is the primary rate limit per hour for each installation and
	// for the App itself. Default 5000.
	RateLimit int

	// FixturesDir contains api/*.json, the recorded bodies used as templates.
	// Default DefaultFixturesDir().
	FixturesDir string
	// Addr is the TCP address to listen on. Default "127.0.0.1:0", a free
	// loopback port.
	Addr string
	// Now is the server's clock for JWT checks, token expiry and timestamps.
	// Default time.Now. A test may move it ahead of the client's clock.
	Now func() time.Time
	// Logger receives one line per request. Default no logging.
	Logger *zerolog.Logger
}

// Server is a fake GitHub REST API server for one GitHub App, listening on a
// loopback port. It is safe for concurrent use.
type Server struct {
	opts      Options
	templates *templates
	listener  net.Listener
	http      *http.Server
	baseURL   string // scheme and host, no trailing slash
	log       zerolog.Logger

	mu            sync.Mutex
	installations map[int64]*installation
	tokens        map[string]*accessToken
	checkRuns     map[int64]*CheckRun
	checkRunOrder []int64
	// checkRunsBySHA lists the ids of each head SHA's runs, oldest first,
	// keyed by the lower-case SHA, so that commit lookups need no scan.
	checkRunsBySHA map[string][]int64
	checkSuites    map[string]int64
	statuses       []*Status
	calls          []Call
	faults         []*Fault
	rateWindows    map[string]*rateWindow
	lastID         int64
	requests       atomic.Uint64
	started        time.Time
}

// New starts a fake GitHub server and panics if it cannot, as
// httptest.NewServer does. Use Start to get the error instead.
func New(opts Options) *Server {
	s, err := Start(opts)
	if err != nil {
		panic(fmt.Sprintf("fakegithub: %v", err))
	}
	return s
}

// Start starts a fake GitHub server listening on opts.Addr.
func Start(opts Options) (*Server, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	tmpl, err := loadTemplates(opts.FixturesDir)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:           opts,
		templates:      tmpl,
		log:            *opts.Logger,
		installations:  make(map[int64]*installation),
		tokens:         make(map[string]*accessToken),
		checkRuns:      make(map[int64]*CheckRun),
		checkRunsBySHA: make(map[string][]int64),
		checkSuites:    make(map[string]int64),
		rateWindows:    make(map[string]*rateWindow),
		lastID:         1000,
		started:        opts.Now().UTC().Truncate(time.Second),
	}
	for _, inst := range opts.Installations {
		if err := s.AddInstallation(inst); err != nil {
			return nil, err
		}
	}
	return s, s.listen()
}

func (o *Options) setDefaults() error {
	if o.AppID <= 0 {
		return errors.New("options: AppID must be a positive GitHub App id")
	}
	if o.PublicKey == nil {
		return errors.New("options: PublicKey is missing; pass the App's RSA public key")
	}
	o.setAppDefaults()
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	if o.RateLimit <= 0 {
		o.RateLimit = 5000
	}
	if o.FixturesDir == "" {
		dir, err := DefaultFixturesDir()
		if err != nil {
			return fmt.Errorf("options: FixturesDir is empty and %w", err)
		}
		o.FixturesDir = dir
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		nop := zerolog.Nop()
		o.Logger = &nop
	}
	return nil
}

func (o *Options) setAppDefaults() {
	if o.ClientID == "" {
		o.ClientID = fmt.Sprintf("Iv1.fake%d", o.AppID)
	}
	if o.AppSlug == "" {
		o.AppSlug = "centralcloud"
	}
	if o.AppName == "" {
		o.AppName = "CentralCloud"
	}
	if o.AppOwner.Login == "" {
		o.AppOwner = Account{Login: "centralcloud", ID: 9000, Type: AccountOrganization}
	}
	if o.AppPermissions == nil {
		o.AppPermissions = map[string]string{
			"checks": "write", "statuses": "write", "metadata": "read",
			"pull_requests": "read", "contents": "read",
		}
	}
	if o.AppEvents == nil {
		o.AppEvents = []string{"check_run", "check_suite", "merge_group", "pull_request"}
	}
}

func (s *Server) listen() error {
	listener, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.Addr, err)
	}
	s.listener = listener
	s.baseURL = "http://" + listener.Addr().String()
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.http.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error().Err(err).Msg("fake GitHub server failed")
		}
	}()
	s.log.Info().Str(logkey.APIURL, s.URL()).Str(logkey.AdminURL, s.AdminURL()).Msg("fake GitHub server started")
	return nil
}

// URL returns the base URL of the REST API, with a trailing slash, for
// go-github's BaseURL and go-githubapp's V3APIURL.
func (s *Server) URL() string {
	return s.baseURL + apiPrefix
}

// WebURL returns the root URL that html_url fields point to, with a trailing
// slash. The fake serves no pages there.
func (s *Server) WebURL() string {
	return s.baseURL + "/"
}

// Close stops the server, waiting up to five seconds for requests in flight.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		s.log.Warn().Err(err).Msg("fake GitHub server shutdown timed out; closing connections")
		_ = s.http.Close()
	}
	s.log.Info().Msg("fake GitHub server stopped")
}

// now returns the server's clock in UTC, to the second as GitHub reports it.
func (s *Server) now() time.Time {
	return s.opts.Now().UTC().Truncate(time.Second)
}

// nextID returns a new id for a check run, check suite or status.
func (s *Server) nextID() int64 {
	s.lastID++
	return s.lastID
}

func (s *Server) apiURL(path string, args ...any) string {
	return s.URL() + strings.TrimPrefix(fmt.Sprintf(path, args...), "/")
}

func (s *Server) webURL(path string, args ...any) string {
	return s.WebURL() + strings.TrimPrefix(fmt.Sprintf(path, args...), "/")
}
