package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// NonceSize is the size of the AES-GCM nonce that starts an encrypted body.
const NonceSize = 12

// bodyAADPrefix starts the additional authenticated data of the body, which
// binds the ciphertext to the snapshot's ETag.
const bodyAADPrefix = "centralcloud/snapshot/v1:"

// ErrBody reports an encrypted body that failed authentication or is too
// short to be one.
var ErrBody = errors.New("snapshot body could not be decrypted")

// EncryptBody encrypts a plaintext snapshot with AES-256-GCM under dataKey
// and returns the nonce followed by the ciphertext and its 16-byte tag. A
// nil nonce draws a random one. Pass a fixed nonce only for content that is
// not secret, such as the empty snapshot.
func EncryptBody(dataKey []byte, etag string, plaintext, nonce []byte) ([]byte, error) {
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	if nonce == nil {
		nonce = make([]byte, NonceSize)
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("draw nonce: %w", err)
		}
	}
	if len(nonce) != NonceSize {
		return nil, fmt.Errorf("nonce is %d bytes, expected %d", len(nonce), NonceSize)
	}
	out := make([]byte, NonceSize, NonceSize+len(plaintext)+aead.Overhead())
	copy(out, nonce)
	return aead.Seal(out, nonce, plaintext, bodyAAD(etag)), nil
}

// DecryptBody reverses EncryptBody. It authenticates the ciphertext and its
// binding to etag, but does not compare the plaintext's digest with etag.
func DecryptBody(dataKey []byte, etag string, body []byte) ([]byte, error) {
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	if len(body) < NonceSize+aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is shorter than a nonce and a tag", ErrBody, len(body))
	}
	plaintext, err := aead.Open(nil, body[:NonceSize], body[NonceSize:], bodyAAD(etag))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBody, err)
	}
	return plaintext, nil
}

func newGCM(dataKey []byte) (cipher.AEAD, error) {
	if len(dataKey) != DataKeySize {
		return nil, fmt.Errorf("data key is %d bytes, expected %d (AES-256)", len(dataKey), DataKeySize)
	}
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		return nil, fmt.Errorf("create AES cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

func bodyAAD(etag string) []byte {
	return []byte(bodyAADPrefix + etag)
}
