package githubapp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/gregjones/httpcache"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// Errors of TokenVerifier.Verify that the scanner API maps to responses.
var (
	// ErrInvalidToken means GitHub rejects the token as unknown, expired,
	// revoked or not an installation token. The scanner API responds 401.
	ErrInvalidToken = errors.New("installation token is invalid or expired")
	// ErrInstallationSuspended means the token's installation is
	// suspended. The scanner API responds 403.
	ErrInstallationSuspended = errors.New("the token's GitHub App installation is suspended")
	// ErrNotInstalled means the token reaches no repository on which the
	// CentralCloud App is installed. The scanner API responds 403.
	ErrNotInstalled = errors.New("the CentralCloud GitHub App is not installed on the token's repositories")
)

// installationTokenPrefix starts every GitHub App installation token.
const installationTokenPrefix = "ghs_"

// Bounds of the verifier's caches.
const (
	tokenResultEntries = 10000
	tokenCacheEntries  = 1000
	// tokenLifetime is how long GitHub installation tokens are valid; a
	// token's HTTP cache is of no use after it.
	tokenLifetime = time.Hour
	// maxRepositoryPages bounds GET /installation/repositories paging
	// (100 repositories a page).
	maxRepositoryPages = 1000
)

// InstallationAccess lists the repositories an installation token may
// read and the CentralCloud installation that covers them.
type InstallationAccess struct {
	// InstallationID is the CentralCloud App's installation on the
	// account that owns the token's repositories.
	InstallationID int64
	AccountLogin   string
	AccountID      int64
	// Repositories are the repositories that the token may read.
	Repositories []RepositoryRef
}

// TokenVerifier checks GitHub installation tokens (ghs_…) that scanners
// send instead of org tokens.
type TokenVerifier struct {
	clients *Clients
	opts    Options
	metrics *Metrics
	ttl     time.Duration
	results *lru.Cache[string, tokenResult]
	caches  *lru.Cache[string, tokenCache]
	flights singleflight.Group
}

// tokenResult is GitHub's verdict on one token, cached until expires.
type tokenResult struct {
	access  *InstallationAccess
	err     error
	expires time.Time
}

// tokenCache is the HTTP cache of one token's requests.
type tokenCache struct {
	cache   httpcache.Cache
	expires time.Time
}

func newTokenVerifier(clients *Clients, opts Options, metrics *Metrics) *TokenVerifier {
	results, err := lru.New[string, tokenResult](tokenResultEntries)
	if err != nil {
		panic(err) // only for a size below 1
	}
	caches, err := lru.New[string, tokenCache](tokenCacheEntries)
	if err != nil {
		panic(err)
	}
	return &TokenVerifier{
		clients: clients,
		opts:    opts,
		metrics: metrics,
		ttl:     opts.TokenCacheTTL,
		results: results,
		caches:  caches,
	}
}

// Verify returns what token may reach. It lists the token's repositories
// with the token itself (GET /installation/repositories, every page,
// revalidated through an HTTP cache of the token's own) and finds the
// CentralCloud installation that covers them (GET
// /repos/{owner}/{repo}/installation as the App). The token may come from
// another App, such as GitHub Actions' GITHUB_TOKEN. Results, failures
// included, are cached for the configured TTL under the token's SHA-256;
// the token itself is neither stored nor logged.
func (v *TokenVerifier) Verify(ctx context.Context, token string) (*InstallationAccess, error) {
	if !strings.HasPrefix(token, installationTokenPrefix) || len(token) > 255 {
		v.metrics.tokenVerifications.WithLabelValues("invalid").Inc()
		return nil, ErrInvalidToken
	}
	sum := sha256.Sum256([]byte(token))
	key := hex.EncodeToString(sum[:])
	if cached, ok := v.results.Get(key); ok && time.Now().Before(cached.expires) {
		v.metrics.tokenVerifications.WithLabelValues("cached").Inc()
		return cached.access.clone(), cached.err
	}
	value, err, _ := v.flights.Do(key, func() (any, error) {
		result, err := v.check(ctx, token, key)
		if err != nil {
			v.metrics.tokenVerifications.WithLabelValues("error").Inc()
			return nil, err
		}
		result.expires = time.Now().Add(v.ttl)
		v.results.Add(key, result)
		v.metrics.tokenVerifications.WithLabelValues(outcomeLabel(result.err)).Inc()
		return result, nil
	})
	if err != nil {
		return nil, err
	}
	result := value.(tokenResult)
	return result.access.clone(), result.err
}

// check queries GitHub about the token. GitHub's verdict, valid or not,
// is returned as a tokenResult. An error means the query failed.
func (v *TokenVerifier) check(ctx context.Context, token, key string) (tokenResult, error) {
	repos, err := v.listRepositories(ctx, v.tokenClient(token, key))
	if status := statusCode(err); status == http.StatusUnauthorized || status == http.StatusForbidden {
		var er *github.ErrorResponse
		if errors.As(err, &er) && strings.Contains(strings.ToLower(er.Message), "suspended") {
			return tokenResult{err: ErrInstallationSuspended}, nil
		}
		return tokenResult{err: ErrInvalidToken}, nil
	}
	if err != nil {
		return tokenResult{}, fmt.Errorf("list repositories of installation token: %w", err)
	}
	if len(repos) == 0 {
		return tokenResult{err: ErrNotInstalled}, nil
	}
	app, err := v.clients.App()
	if err != nil {
		return tokenResult{}, err
	}
	inst, _, err := app.Apps.FindRepositoryInstallation(ctx, repos[0].Owner, repos[0].Name)
	if statusCode(err) == http.StatusNotFound {
		return tokenResult{err: ErrNotInstalled}, nil
	}
	if err != nil {
		return tokenResult{}, fmt.Errorf("find installation of %s: %w", repos[0].FullName(), err)
	}
	return tokenResult{access: &InstallationAccess{
		InstallationID: inst.GetID(),
		AccountLogin:   inst.GetAccount().GetLogin(),
		AccountID:      inst.GetAccount().GetID(),
		Repositories:   repos,
	}}, nil
}

func (v *TokenVerifier) listRepositories(ctx context.Context, client *github.Client) ([]RepositoryRef, error) {
	var repos []RepositoryRef
	opts := &github.ListOptions{PerPage: 100}
	for range maxRepositoryPages {
		page, res, err := client.Apps.ListRepos(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, repo := range page.Repositories {
			repos = append(repos, refFromAPI(repo))
		}
		if res.NextPage == 0 {
			return repos, nil
		}
		opts.Page = res.NextPage
	}
	return nil, fmt.Errorf("installation token reaches more than %d repositories", maxRepositoryPages*100)
}

// tokenClient returns a go-github client that authenticates with token
// and keeps an HTTP cache of the token's own, so that a check after the
// result TTL is a conditional request that GitHub responds to with 304.
func (v *TokenVerifier) tokenClient(token, key string) *github.Client {
	entry, ok := v.caches.Get(key)
	if !ok || time.Now().After(entry.expires) {
		entry = tokenCache{cache: newLRUHTTPCache(16), expires: time.Now().Add(tokenLifetime)}
		v.caches.Add(key, entry)
	}
	cached := &httpcache.Transport{Transport: alwaysRevalidate(v.clients.transport), Cache: entry.cache, MarkCachedResponses: true}
	client := github.NewClient(&http.Client{
		Transport: roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			req = req.Clone(req.Context())
			req.Header.Set("Authorization", "Bearer "+token)
			return cached.RoundTrip(req)
		}),
		Timeout: v.opts.RequestTimeout,
	})
	client.BaseURL = v.clients.baseURL
	client.UserAgent = v.opts.UserAgent + " (installation token)"
	return client
}

func outcomeLabel(err error) string {
	switch {
	case err == nil:
		return "valid"
	case errors.Is(err, ErrNotInstalled):
		return "not_installed"
	case errors.Is(err, ErrInstallationSuspended):
		return "suspended"
	}
	return "invalid"
}

// clone returns a copy that the caller may change without touching the
// cached value.
func (a *InstallationAccess) clone() *InstallationAccess {
	if a == nil {
		return nil
	}
	c := *a
	c.Repositories = slices.Clone(a.Repositories)
	return &c
}
