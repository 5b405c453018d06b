package fakegithub

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// JWT limits that GitHub documents for App authentication: "exp" at most ten
// minutes ahead, and "iat" may lie up to 60 seconds in the future to allow
// for clock drift.
const (
	maxJWTLifetime = 10 * time.Minute
	maxClockDrift  = 60 * time.Second
)

// Messages of GitHub's 401 responses to bad App JWTs and tokens.
const (
	messageJWTUndecodable = "A JSON web token could not be decoded"
	messageIATInvalid     = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	messageEXPInvalid     = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	messageEXPTooFar      = "'Expiration time' claim ('exp') is too far in the future"
	messageBadCredentials = "Bad credentials"
	messageNoCredentials  = "Requires authentication"
	messageSuspended      = "This installation has been suspended"
)

// authenticate checks the credentials that the route requires and, when they
// are valid, sets the request's rate-limit bucket and installation.
func (s *Server) authenticate(ex *exchange, mode authMode) (reply, bool) {
	if mode == authNone {
		return reply{}, true
	}
	credential, ok := bearerCredential(ex.r.Header.Get("Authorization"))
	if !ok {
		return errorReply(http.StatusUnauthorized, messageNoCredentials, docsRoot), false
	}
	if mode == authAppJWT {
		if message := s.verifyJWT(credential, ex.received); message != "" {
			return errorReply(http.StatusUnauthorized, message, docsRoot), false
		}
		ex.rateBucket = "app"
		return reply{}, true
	}
	return s.authenticateToken(ex, credential)
}

// bearerCredential extracts the credential of "Bearer X" or "token X".
func bearerCredential(header string) (string, bool) {
	scheme, credential, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || credential == "" {
		return "", false
	}
	if !strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token") {
		return "", false
	}
	return strings.TrimSpace(credential), true
}

// verifyJWT checks an App JWT as GitHub does and returns GitHub's message
// for the first problem, or "" when the JWT is valid.
func (s *Server) verifyJWT(raw string, now time.Time) string {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithJSONNumber(),
		jwt.WithoutClaimsValidation(),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) {
		return s.opts.PublicKey, nil
	})
	if err != nil {
		return messageJWTUndecodable
	}
	// NOTE: GitHub's response to a well-signed JWT with a foreign "iss" is not
	// recorded, so the fake treats it like an undecodable JWT.
	if !s.issuerMatches(claims["iss"]) {
		return messageJWTUndecodable
	}
	iat, ok := integerClaim(claims["iat"])
	if !ok || time.Unix(iat, 0).After(now.Add(maxClockDrift)) {
		return messageIATInvalid
	}
	exp, ok := integerClaim(claims["exp"])
	if !ok || !time.Unix(exp, 0).After(now) {
		return messageEXPInvalid
	}
	if exp-iat > int64(maxJWTLifetime/time.Second) || time.Unix(exp, 0).After(now.Add(maxJWTLifetime)) {
		return messageEXPTooFar
	}
	return ""
}

// issuerMatches accepts the App id, as a number or a string, or the client id.
func (s *Server) issuerMatches(iss any) bool {
	var value string
	switch v := iss.(type) {
	case string:
		value = v
	case json.Number:
		value = v.String()
	default:
		return false
	}
	return value == strconv.FormatInt(s.opts.AppID, 10) || value == s.opts.ClientID
}

// integerClaim reads a NumericDate claim that must be a whole number of
// seconds; GitHub rejects fractional values.
func integerClaim(v any) (int64, bool) {
	number, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	n, err := number.Int64()
	return n, err == nil
}

// authenticateToken checks an installation access token: it must exist, be
// unexpired and belong to an installation that still exists and is not
// suspended.
func (s *Server) authenticateToken(ex *exchange, value string) (reply, bool) {
	token := s.tokens[value]
	if token == nil || !ex.received.Before(token.expiresAt) {
		return errorReply(http.StatusUnauthorized, messageBadCredentials, docsRoot), false
	}
	state := s.installations[token.installationID]
	if state == nil {
		return errorReply(http.StatusUnauthorized, messageBadCredentials, docsRoot), false
	}
	ex.installationID = state.ID
	ex.installation = state
	ex.token = token
	ex.rateBucket = "installation:" + strconv.FormatInt(state.ID, 10)
	if state.Suspended {
		// NOTE: GitHub is reported to return this for token creation. The fake
		// also returns it for tokens issued before the suspension.
		return errorReply(http.StatusForbidden, messageSuspended, docsRoot), false
	}
	return reply{}, true
}
