package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/database"
)

// OrgTokenPrefix starts every org token, so secret scanners can find
// leaked ones.
const OrgTokenPrefix = "cct_"

// orgTokenBytes is the randomness in a token: 256 bits.
const orgTokenBytes = 32

// Token authentication errors. Both mean 401 to a client.
var (
	ErrTokenInvalid = errors.New("token is not valid")
	ErrTokenRevoked = errors.New("token was revoked")
	ErrTokenExpired = errors.New("token has expired")
)

// Token is an org API token's record; the token itself is never stored.
type Token struct {
	ID         uuid.UUID
	OrgID      uuid.UUID
	Name       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// HashToken returns the SHA-256 digest under which a token is stored.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateToken makes a new org token and returns it with its record. The
// plaintext is returned only here.
func CreateToken(ctx context.Context, db database.DBTX, orgID uuid.UUID, name string, expiresAt *time.Time) (string, Token, error) {
	raw := make([]byte, orgTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, fmt.Errorf("generate token: %w", err)
	}
	plaintext := OrgTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	t := Token{OrgID: orgID, Name: name, ExpiresAt: expiresAt}
	err := db.QueryRow(ctx,
		`INSERT INTO org_tokens (org_id, name, token_hash, expires_at) VALUES ($1, $2, $3, $4)
		 RETURNING id, created_at`,
		orgID, name, HashToken(plaintext), expiresAt).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return "", Token{}, fmt.Errorf("insert token: %w", err)
	}
	return plaintext, t, nil
}

// TokenPrincipal is who an authenticated org token speaks for.
type TokenPrincipal struct {
	TokenID uuid.UUID
	Org     Org
}

// AuthenticateToken looks up an org token by its hash, rejects revoked and
// expired ones, and records the last use at most once a minute so a busy
// scanner does not turn every request into a write.
func AuthenticateToken(ctx context.Context, db database.DBTX, plaintext string) (TokenPrincipal, error) {
	if !strings.HasPrefix(plaintext, OrgTokenPrefix) {
		return TokenPrincipal{}, ErrTokenInvalid
	}
	var p TokenPrincipal
	var expiresAt, revokedAt *time.Time
	var lastUsed *time.Time
	row := db.QueryRow(ctx,
		`SELECT t.id, t.expires_at, t.revoked_at, t.last_used_at, `+orgColumns+`
		   FROM org_tokens t JOIN orgs o ON o.id = t.org_id
		  WHERE t.token_hash = $1`, HashToken(plaintext))
	err := row.Scan(&p.TokenID, &expiresAt, &revokedAt, &lastUsed,
		&p.Org.ID, &p.Org.Login, &p.Org.GitHubAccountID, &p.Org.CreatedAt, &p.Org.InstallationStatus)
	if err != nil {
		if notFound(err) == ErrNotFound {
			return TokenPrincipal{}, ErrTokenInvalid
		}
		return TokenPrincipal{}, fmt.Errorf("look up token: %w", err)
	}
	now := time.Now()
	switch {
	case revokedAt != nil:
		return TokenPrincipal{}, ErrTokenRevoked
	case expiresAt != nil && !expiresAt.After(now):
		return TokenPrincipal{}, ErrTokenExpired
	}
	if lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		if _, err := db.Exec(ctx, `UPDATE org_tokens SET last_used_at = now() WHERE id = $1`, p.TokenID); err != nil {
			return TokenPrincipal{}, fmt.Errorf("record token use: %w", err)
		}
	}
	return p, nil
}

// ListTokens returns an org's tokens, revoked ones included, oldest first.
func ListTokens(ctx context.Context, db database.DBTX, orgID uuid.UUID) ([]Token, error) {
	rows, err := db.Query(ctx,
		`SELECT id, org_id, name, created_at, expires_at, revoked_at, last_used_at
		   FROM org_tokens WHERE org_id = $1 ORDER BY id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var tokens []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.OrgID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		tokens = append(tokens, t)
	}
	return tokens, rows.Err()
}

// RevokeToken revokes a token by id. Revoking a revoked token keeps its
// first revocation time and is not an error.
func RevokeToken(ctx context.Context, db database.DBTX, id uuid.UUID) (Token, error) {
	var t Token
	err := db.QueryRow(ctx,
		`UPDATE org_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
		 RETURNING id, org_id, name, created_at, expires_at, revoked_at, last_used_at`, id).
		Scan(&t.ID, &t.OrgID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt)
	if err != nil {
		return Token{}, fmt.Errorf("token %s: %w", id, notFound(err))
	}
	return t, nil
}
