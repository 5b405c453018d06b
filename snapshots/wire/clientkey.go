package wire

import (
	"crypto/hpke"
	"encoding/base64"
	"errors"
	"fmt"
)

// ErrInvalidClientKey reports a missing or malformed X-Client-Key value.
var ErrInvalidClientKey = errors.New("invalid client key")

// ClientKey is a scanner's HPKE public key with the suite to seal under.
type ClientKey struct {
	Suite     Suite
	PublicKey hpke.PublicKey
}

// ParseClientKey parses an X-Client-Key value: the suite id, one space, and
// the KEM public key serialised as in RFC 9180 (SerializePublicKey) in
// standard base64 with padding. Every error wraps ErrInvalidClientKey.
func ParseClientKey(value string) (ClientKey, error) {
	if value == "" {
		return ClientKey{}, fmt.Errorf("%w: %s is missing; send \"<suite> <base64 public key>\" with suite one of: %s",
			ErrInvalidClientKey, HeaderClientKey, supportedList())
	}
	suite, raw, err := splitSuiteValue(HeaderClientKey, value)
	if err != nil {
		return ClientKey{}, fmt.Errorf("%w: %w", ErrInvalidClientKey, err)
	}
	kem, _ := suite.KEM()
	pub, err := kem.NewPublicKey(raw)
	if err != nil {
		return ClientKey{}, fmt.Errorf("%w: %s: the %d-byte value is not a public key for suite %s: %w",
			ErrInvalidClientKey, HeaderClientKey, len(raw), suite, err)
	}
	return ClientKey{Suite: suite, PublicKey: pub}, nil
}

// FormatClientKey returns the X-Client-Key value for pub.
func FormatClientKey(pub hpke.PublicKey) (string, error) {
	suite, err := suiteOf(pub.KEM())
	if err != nil {
		return "", err
	}
	return string(suite) + " " + base64.StdEncoding.EncodeToString(pub.Bytes()), nil
}

// String returns the key in its header form.
func (k ClientKey) String() string {
	return string(k.Suite) + " " + base64.StdEncoding.EncodeToString(k.PublicKey.Bytes())
}
