package fakegithub

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"time"
)

// accessToken is an installation access token the fake issued.
type accessToken struct {
	value          string
	sequence       int64 // issue order, as issuedAt has whole seconds only
	installationID int64
	issuedAt       time.Time
	expiresAt      time.Time
	permissions    map[string]string
	// repositoryIDs limits the token to these repositories; nil means every
	// repository of the installation.
	repositoryIDs []int64
}

// IssuedToken describes an installation access token the fake issued.
type IssuedToken struct {
	Token          string            `json:"token"`
	InstallationID int64             `json:"installation_id"`
	IssuedAt       time.Time         `json:"issued_at"`
	ExpiresAt      time.Time         `json:"expires_at"`
	Permissions    map[string]string `json:"permissions"`
	// RepositoryIDs lists the repositories the token is limited to; nil
	// means all of the installation's.
	RepositoryIDs []int64 `json:"repository_i_ds"`
}

// tokenAlphabet and tokenLength give tokens the shape of GitHub's: "ghs_"
// and 36 alphanumeric characters.
const (
	tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	tokenLength   = 36
)

func newTokenValue() string {
	return "ghs_" + randomAlphanumeric(tokenLength)
}

func randomAlphanumeric(n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		panic("fakegithub: crypto/rand failed: " + err.Error())
	}
	for i, b := range buf {
		buf[i] = tokenAlphabet[int(b)%len(tokenAlphabet)]
	}
	return string(buf)
}

// issueTokenLocked creates a token for an installation.
func (s *Server) issueTokenLocked(state *installation, permissions map[string]string, repositoryIDs []int64) *accessToken {
	now := s.now()
	token := &accessToken{
		value:          newTokenValue(),
		sequence:       s.nextID(),
		installationID: state.ID,
		issuedAt:       now,
		expiresAt:      now.Add(s.opts.TokenTTL),
		permissions:    maps.Clone(permissions),
		repositoryIDs:  repositoryIDs,
	}
	s.tokens[token.value] = token
	return token
}

// IssueToken creates an installation access token with the installation's
// permissions, without an HTTP request, for tests that need a ghs_ token.
func (s *Server) IssueToken(installationID int64) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := s.installations[installationID]
	if state == nil {
		return "", fmt.Errorf("issue token: installation %d not found", installationID)
	}
	return s.issueTokenLocked(state, state.Permissions, nil).value, nil
}

// ExpireToken makes a token expire now, so its next use gets 401 "Bad
// credentials". It reports whether the token existed.
func (s *Server) ExpireToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[token]
	if t != nil {
		t.expiresAt = s.now()
	}
	return t != nil
}

// ExpireInstallationTokens expires every token of an installation and
// returns how many there were.
func (s *Server) ExpireInstallationTokens(installationID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.tokens {
		if t.installationID == installationID {
			t.expiresAt = s.now()
			n++
		}
	}
	return n
}

// IssuedTokens returns the tokens issued for an installation, oldest first.
func (s *Server) IssuedTokens(installationID int64) []IssuedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	var tokens []*accessToken
	for _, t := range s.tokens {
		if t.installationID == installationID {
			tokens = append(tokens, t)
		}
	}
	slices.SortFunc(tokens, func(a, b *accessToken) int { return cmp.Compare(a.sequence, b.sequence) })
	issued := make([]IssuedToken, 0, len(tokens))
	for _, t := range tokens {
		issued = append(issued, IssuedToken{
			Token: t.value, InstallationID: t.installationID, IssuedAt: t.issuedAt,
			ExpiresAt: t.expiresAt, Permissions: maps.Clone(t.permissions),
			RepositoryIDs: slices.Clone(t.repositoryIDs),
		})
	}
	return issued
}

// tokenReaches reports whether a token may act on a repository: the
// repository belongs to the token's installation now, and the token is not
// limited to other repositories.
func (s *Server) tokenReaches(ex *exchange, repo *Repository) bool {
	if repo == nil {
		return false
	}
	if !slices.ContainsFunc(ex.installation.Repositories, func(r Repository) bool { return r.ID == repo.ID }) {
		return false
	}
	return ex.token.repositoryIDs == nil || slices.Contains(ex.token.repositoryIDs, repo.ID)
}

// permissionAllows reports whether a granted level ("read", "write") covers
// the needed one.
func permissionAllows(granted, needed string) bool {
	switch needed {
	case "read":
		return granted == "read" || granted == "write"
	case "write":
		return granted == "write"
	}
	return false
}
