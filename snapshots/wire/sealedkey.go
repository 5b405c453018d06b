package wire

import (
	"crypto/hpke"
	"encoding/base64"
	"errors"
	"fmt"
)

// DataKeySize is the size of a snapshot data key: an AES-256 key.
const DataKeySize = 32

// keyInfoPrefix starts the HPKE info string, which also binds the sealed
// key to the snapshot's ETag.
const keyInfoPrefix = "centralcloud/snapshot-key/v1:"

// ErrSealedKey reports a sealed data key that could not be opened: a wrong
// private key, a different snapshot, or tampering.
var ErrSealedKey = errors.New("sealed data key could not be opened")

// SealedKey is a data key sealed with HPKE single-shot mode: the KEM's
// encapsulated key followed by the AEAD ciphertext, as crypto/hpke.Seal
// returns it.
type SealedKey struct {
	Suite  Suite
	Sealed []byte
}

// SealDataKey seals dataKey to the client key for the snapshot with the
// given bare ETag.
func SealDataKey(key ClientKey, etag string, dataKey []byte) (SealedKey, error) {
	sealed, err := hpke.Seal(key.PublicKey, hpke.HKDFSHA256(), hpke.AES256GCM(), keyInfo(etag), dataKey)
	if err != nil {
		return SealedKey{}, fmt.Errorf("seal data key to %s client key: %w", key.Suite, err)
	}
	return SealedKey{Suite: key.Suite, Sealed: sealed}, nil
}

// OpenDataKey opens a sealed data key with the client's private key and
// checks that it is a data key for the snapshot with the given bare ETag.
func OpenDataKey(priv hpke.PrivateKey, etag string, sealed SealedKey) ([]byte, error) {
	kem, err := sealed.Suite.KEM()
	if err != nil {
		return nil, err
	}
	if kem.ID() != priv.KEM().ID() {
		return nil, fmt.Errorf("%w: sealed with suite %s but the private key is for KEM %#04x",
			ErrSealedKey, sealed.Suite, priv.KEM().ID())
	}
	dataKey, err := hpke.Open(priv, hpke.HKDFSHA256(), hpke.AES256GCM(), keyInfo(etag), sealed.Sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSealedKey, err)
	}
	if len(dataKey) != DataKeySize {
		return nil, fmt.Errorf("%w: opened %d bytes, expected a %d-byte data key", ErrSealedKey, len(dataKey), DataKeySize)
	}
	return dataKey, nil
}

// ParseSealedKey parses an X-Snapshot-Key value: the suite id, one space,
// and the sealed key in standard base64 with padding.
func ParseSealedKey(value string) (SealedKey, error) {
	if value == "" {
		return SealedKey{}, fmt.Errorf("%w: %s is missing", ErrSealedKey, HeaderSnapshotKey)
	}
	suite, raw, err := splitSuiteValue(HeaderSnapshotKey, value)
	if err != nil {
		return SealedKey{}, fmt.Errorf("%w: %w", ErrSealedKey, err)
	}
	return SealedKey{Suite: suite, Sealed: raw}, nil
}

// String returns the sealed key in its header form.
func (k SealedKey) String() string {
	return string(k.Suite) + " " + base64.StdEncoding.EncodeToString(k.Sealed)
}

func keyInfo(etag string) []byte {
	return []byte(keyInfoPrefix + etag)
}
