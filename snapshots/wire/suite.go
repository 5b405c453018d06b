package wire

import (
	"crypto/ecdh"
	"crypto/hpke"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Suite names an HPKE ciphersuite (RFC 9180) that seals a snapshot's data
// key to a client's public key. Every suite uses HKDF-SHA256 (KDF 0x0001)
// and AES-256-GCM (AEAD 0x0002), so they differ only in the KEM.
type Suite string

// Supported suites.
const (
	// SuiteX25519 uses DHKEM(X25519, HKDF-SHA256), KEM 0x0020.
	SuiteX25519 Suite = "hpke-x25519-sha256-aes256gcm"
	// SuiteMLKEM768X25519 uses the hybrid post-quantum KEM MLKEM768-X25519
	// (X-Wing) from draft-ietf-hpke-pq, KEM 0x647a.
	SuiteMLKEM768X25519 Suite = "hpke-mlkem768x25519-sha256-aes256gcm"
)

// Suites returns every supported suite, the classical one first.
func Suites() []Suite {
	return []Suite{SuiteX25519, SuiteMLKEM768X25519}
}

// ErrUnknownSuite reports a suite id that this version does not support.
var ErrUnknownSuite = errors.New("unknown HPKE suite")

// KEM returns the suite's key encapsulation mechanism.
func (s Suite) KEM() (hpke.KEM, error) {
	switch s {
	case SuiteX25519:
		return hpke.DHKEM(ecdh.X25519()), nil
	case SuiteMLKEM768X25519:
		return hpke.MLKEM768X25519(), nil
	}
	return nil, fmt.Errorf("%w %q; supported suites: %s", ErrUnknownSuite, string(s), supportedList())
}

// GenerateKey creates a new HPKE key pair for the suite.
func (s Suite) GenerateKey() (hpke.PrivateKey, error) {
	kem, err := s.KEM()
	if err != nil {
		return nil, err
	}
	return kem.GenerateKey()
}

func supportedList() string {
	names := make([]string, 0, 2)
	for _, s := range Suites() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// suiteOf returns the suite whose KEM matches kem.
func suiteOf(kem hpke.KEM) (Suite, error) {
	for _, s := range Suites() {
		k, _ := s.KEM()
		if k.ID() == kem.ID() {
			return s, nil
		}
	}
	return "", fmt.Errorf("%w: KEM %#04x; supported suites: %s", ErrUnknownSuite, kem.ID(), supportedList())
}

// splitSuiteValue splits a header value of the form "<suite> <base64>".
func splitSuiteValue(header, value string) (Suite, []byte, error) {
	suite, encoded, found := strings.Cut(value, " ")
	if !found || suite == "" || encoded == "" {
		return "", nil, fmt.Errorf("%s must be \"<suite> <base64>\", one space between, with suite one of: %s",
			header, supportedList())
	}
	if _, err := Suite(suite).KEM(); err != nil {
		return "", nil, fmt.Errorf("%s: %w", header, err)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(encoded)
	if err != nil {
		return "", nil, fmt.Errorf("%s: invalid base64 after the suite (standard alphabet with padding, RFC 4648 section 4): %w",
			header, err)
	}
	return Suite(suite), raw, nil
}
