package scannerapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/internal/problem"
	"github.com/centralcloud/centralcloud/store"
)

// Kinds of credential a scanner can present.
const (
	KindOrgToken          = "org_token"
	KindInstallationToken = "installation_token"
)

// installationTokenPrefix starts GitHub App installation access tokens.
const installationTokenPrefix = "ghs_"

// Errors that an InstallationVerifier returns.
var (
	// ErrInvalidInstallationToken means GitHub does not accept the token.
	ErrInvalidInstallationToken = errors.New("installation token is not valid")
	// ErrInstallationSuspended means the token's installation is suspended.
	ErrInstallationSuspended = errors.New("installation is suspended")
)

// InstallationAccess is the installation and repositories that a GitHub
// installation token may reach.
type InstallationAccess struct {
	InstallationID int64
	AccountLogin   string
	AccountID      int64
	Repositories   []RepositoryRef
}

// RepositoryRef names a GitHub repository.
type RepositoryRef struct {
	ID    int64
	Owner string
	Name  string
}

// InstallationVerifier checks an installation token against GitHub and
// returns what it may reach, or ErrInvalidInstallationToken.
type InstallationVerifier func(ctx context.Context, token string) (*InstallationAccess, error)

// Principal is the authenticated caller of a scanner endpoint.
type Principal struct {
	Org          store.Org
	Kind         string
	TokenID      uuid.UUID
	Installation *InstallationAccess
	// RateKey identifies the credential for rate limiting without holding
	// the token itself.
	RateKey string
}

type principalKey struct{}

// PrincipalFrom returns the principal that Authenticate stored in ctx.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok
}

// repositoryAllowed reports whether the principal may register runs for
// owner/name: org tokens for any repository of the org's login,
// installation tokens for the installation's repositories.
func (p *Principal) repositoryAllowed(owner, name string) (*RepositoryRef, bool) {
	if p.Kind == KindOrgToken {
		return nil, strings.EqualFold(owner, p.Org.Login)
	}
	for i, r := range p.Installation.Repositories {
		if strings.EqualFold(r.Owner, owner) && strings.EqualFold(r.Name, name) {
			return &p.Installation.Repositories[i], true
		}
	}
	return nil, false
}

// Authenticate is middleware that resolves the bearer token to a Principal
// and rejects requests without a valid one with 401, and tenants whose
// installation is suspended or deleted with 403.
func (a *API) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.tooManyAuthFailures(w, r) {
			return
		}
		token, ok := bearerToken(r)
		if !ok {
			a.unauthorized(w, r, "missing bearer token: send Authorization: Bearer <org token or installation token>")
			return
		}
		p, err := a.resolve(r.Context(), token)
		if err != nil {
			a.authFailed(w, r, err)
			return
		}
		switch p.Org.InstallationStatus {
		case "suspended":
			writeSuspended(w, p.Org.Login)
			return
		case "deleted":
			problem.Write(w, problem.New(http.StatusForbidden, "installation-deleted",
				"the CentralCloud GitHub App was uninstalled from "+p.Org.Login+": reinstall it to scan again"))
			return
		}
		// The request's logger is updated in place, so the access log line
		// written after the handler carries the org too.
		zerolog.Ctx(r.Context()).UpdateContext(func(c zerolog.Context) zerolog.Context {
			return c.Str(logkey.OrgLogin, p.Org.Login)
		})
		ctx := context.WithValue(r.Context(), principalKey{}, p)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (a *API) resolve(ctx context.Context, token string) (*Principal, error) {
	sum := sha256.Sum256([]byte(token))
	switch {
	case strings.HasPrefix(token, store.OrgTokenPrefix):
		now := time.Now()
		if p, ok := a.tokens.get(sum, now); ok {
			return p, nil
		}
		tp, err := store.AuthenticateToken(ctx, a.db, token)
		if err != nil {
			return nil, err
		}
		p := &Principal{Org: tp.Org, Kind: KindOrgToken, TokenID: tp.TokenID, RateKey: hex.EncodeToString(sum[:8])}
		a.tokens.put(sum, p, now)
		return p, nil
	case strings.HasPrefix(token, installationTokenPrefix):
		if a.verifyInstallation == nil {
			return nil, errInstallationTokensOff
		}
		access, err := a.verifyInstallation(ctx, token)
		if err != nil {
			return nil, err
		}
		org, err := store.OrgForInstallation(ctx, a.db, access.InstallationID, access.AccountLogin, access.AccountID)
		if err != nil {
			return nil, err
		}
		return &Principal{Org: org, Kind: KindInstallationToken, Installation: access, RateKey: hex.EncodeToString(sum[:8])}, nil
	}
	return nil, store.ErrTokenInvalid
}

var errInstallationTokensOff = errors.New("installation tokens are not accepted because no GitHub App is configured: use an org token")

func (a *API) authFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrTokenRevoked):
		a.unauthorized(w, r, "the token was revoked: create a new one with `centralcloud tokens create`")
	case errors.Is(err, store.ErrTokenExpired):
		a.unauthorized(w, r, "the token has expired: create a new one with `centralcloud tokens create`")
	case errors.Is(err, store.ErrTokenInvalid), errors.Is(err, ErrInvalidInstallationToken):
		a.unauthorized(w, r, "the token is not valid: send an org token (cct_...) or a GitHub App installation token (ghs_...)")
	case errors.Is(err, ErrInstallationSuspended):
		writeSuspended(w, "this token's account")
	case errors.Is(err, errInstallationTokensOff):
		a.unauthorized(w, r, err.Error())
	default:
		a.internalError(w, r, err)
	}
}

func (a *API) unauthorized(w http.ResponseWriter, r *http.Request, detail string) {
	a.metrics.authFailures.Inc()
	a.countAuthFailure(w, r)
	w.Header().Set("WWW-Authenticate", `Bearer realm="centralcloud"`)
	problem.Write(w, problem.New(http.StatusUnauthorized, "unauthorized", detail))
}

func writeSuspended(w http.ResponseWriter, account string) {
	problem.Write(w, problem.New(http.StatusForbidden, "installation-suspended",
		"the CentralCloud GitHub App installation of "+account+" is suspended: an org owner can unsuspend it in the org's GitHub settings"))
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
