package fakegithub

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// Seed is the JSON form of the installations a standalone fake starts with:
// {"installations": [{"id": 100, "account": {"login": "acme", "id": 501,
// "type": "Organization"}, "permissions": {"checks": "write"},
// "repositories": [{"id": 1001, "owner": "acme", "name": "app"}]}]}.
type Seed struct {
	Installations []Installation `json:"installations"`
}

// LoadSeed reads a Seed from a JSON file, rejecting unknown fields.
func LoadSeed(path string) (Seed, error) {
	var seed Seed
	file, err := os.Open(path)
	if err != nil {
		return seed, fmt.Errorf("load seed: %w", err)
	}
	defer file.Close()
	dec := json.NewDecoder(file)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return seed, fmt.Errorf("load seed %s: %w", path, err)
	}
	return seed, nil
}

// ParsePublicKeyPEM reads an RSA public key from PEM: a PUBLIC KEY (PKIX),
// an RSA PUBLIC KEY (PKCS #1), or a private key (PKCS #1 or PKCS #8), whose
// public half it returns.
func ParsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("parse RSA key: no PEM block found")
	}
	switch block.Type {
	case "PUBLIC KEY":
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse RSA public key: %w", err)
		}
		rsaKey, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("parse RSA public key: key is a %T, not RSA", key)
		}
		return rsaKey, nil
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse RSA private key: %w", err)
		}
		return &key.PublicKey, nil
	case "PRIVATE KEY":
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		rsaKey, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("parse private key: key is a %T, not RSA", key)
		}
		return &rsaKey.PublicKey, nil
	}
	return nil, fmt.Errorf("parse RSA key: unsupported PEM block type %q", block.Type)
}
