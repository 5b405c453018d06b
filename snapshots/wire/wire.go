// Package wire defines what travels between CentralCloud and scanners for a
// pattern snapshot: header names, the HPKE suites that seal the data key,
// the encrypted body and the plaintext document. The server package and
// the scanner client both build on it, so the two cannot drift apart, and
// it imports nothing beyond the standard library.
package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// HTTP header names of the snapshot exchange.
const (
	// HeaderClientKey carries the scanner's HPKE public key and its suite.
	HeaderClientKey = "X-Client-Key"
	// HeaderSnapshotKey carries the snapshot's data key sealed to the
	// client key, and the suite that sealed it.
	HeaderSnapshotKey = "X-Snapshot-Key"
)

// ContentType is the media type of the encrypted snapshot body.
const ContentType = "application/octet-stream"

// ETagLength is the length of a bare ETag: the hex SHA-256 digest.
const ETagLength = sha256.Size * 2

// ComputeETag computes the bare ETag of a plaintext snapshot: the lowercase
// hex SHA-256 digest of its bytes.
func ComputeETag(plaintext []byte) string {
	sum := sha256.Sum256(plaintext)
	return hex.EncodeToString(sum[:])
}

// ValidETag reports whether etag is a bare ETag: 64 lowercase hex digits.
func ValidETag(etag string) bool {
	if len(etag) != ETagLength {
		return false
	}
	for i := 0; i < len(etag); i++ {
		c := etag[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// QuoteETag returns the HTTP form of a bare ETag: the digest in double
// quotes, a strong entity tag.
func QuoteETag(etag string) string {
	return `"` + etag + `"`
}

// ErrInvalidETag reports an ETag that is neither a bare digest nor a quoted
// one.
var ErrInvalidETag = errors.New("invalid ETag")

// NormalizeETag accepts an ETag in its bare form ("ab12…") or its HTTP form
// (`"ab12…"`, optionally weak `W/"ab12…"`) and returns the bare digest.
func NormalizeETag(etag string) (string, error) {
	bare := strings.TrimPrefix(etag, "W/")
	if len(bare) >= 2 && bare[0] == '"' && bare[len(bare)-1] == '"' {
		bare = bare[1 : len(bare)-1]
	} else if bare != etag {
		return "", fmt.Errorf("%w %q: a weak tag must be quoted, as in W/\"<digest>\"", ErrInvalidETag, etag)
	}
	if !ValidETag(bare) {
		return "", fmt.Errorf("%w %q: expected 64 lowercase hex digits (a SHA-256 digest), optionally in double quotes", ErrInvalidETag, etag)
	}
	return bare, nil
}
