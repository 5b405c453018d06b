// Package client fetches pattern snapshots from CentralCloud for scanners.
// It sends If-None-Match with the last ETag, keeps the last snapshot,
// opens the data key sealed to its own HPKE key, decrypts the body and
// checks that the plaintext's SHA-256 equals the ETag.
package client

import (
	"crypto/hpke"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// SnapshotPath is the path of the snapshot endpoint under the base URL.
const SnapshotPath = "/patterns/snapshot"

// MaxSnapshotSize is the largest encrypted body the client reads.
const MaxSnapshotSize = 64 << 20

// ErrInvalidSnapshot reports a snapshot that failed verification: the
// sealed key or the body failed authentication, or the plaintext's digest
// differs from the ETag. The previous snapshot stays in use.
var ErrInvalidSnapshot = errors.New("invalid pattern snapshot")

// Options configures a Client.
type Options struct {
	// HTTPClient sends the requests. Nil means http.DefaultClient.
	HTTPClient *http.Client
	// Token is sent as "Authorization: Bearer <token>": an org token or a
	// GitHub App installation token.
	Token string
	// Suite selects the HPKE suite of a generated key. Empty means
	// wire.SuiteX25519. Use wire.SuiteMLKEM768X25519 for post-quantum
	// protection of the data key.
	Suite wire.Suite
	// PrivateKey receives the data keys. Nil generates a key of Suite for
	// the lifetime of the Client.
	PrivateKey hpke.PrivateKey
}

// Snapshot is a decrypted and verified pattern snapshot.
type Snapshot struct {
	// ETag is the bare hex SHA-256 digest of Plaintext.
	ETag      string
	Plaintext []byte
	Document  wire.Document
}

// Client fetches and verifies snapshots. It is safe for concurrent use.
type Client struct {
	endpoint  string
	http      *http.Client
	token     string
	priv      hpke.PrivateKey
	keyHeader string

	mu   sync.Mutex
	last *Snapshot
}

// New returns a Client for the CentralCloud service at baseURL, such as
// "https://centralcloud.example.com".
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid base URL %q: expected an absolute http or https URL", baseURL)
	}
	priv := opts.PrivateKey
	if priv == nil {
		suite := opts.Suite
		if suite == "" {
			suite = wire.SuiteX25519
		}
		if priv, err = suite.GenerateKey(); err != nil {
			return nil, fmt.Errorf("generate client key: %w", err)
		}
	}
	header, err := wire.FormatClientKey(priv.PublicKey())
	if err != nil {
		return nil, err
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{
		endpoint:  strings.TrimSuffix(u.String(), "/") + SnapshotPath,
		http:      httpClient,
		token:     opts.Token,
		priv:      priv,
		keyHeader: header,
	}, nil
}

// ClientKey returns the X-Client-Key value of the client's public key, to
// send with POST /scanner/runs for an inline snapshot.
func (c *Client) ClientKey() string {
	return c.keyHeader
}

// Last returns the last verified snapshot, or nil.
func (c *Client) Last() *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// ETag returns the bare ETag of the last verified snapshot, or "".
func (c *Client) ETag() string {
	if last := c.Last(); last != nil {
		return last.ETag
	}
	return ""
}

// Accept verifies an inline snapshot from a JSON response and keeps it.
func (c *Client) Accept(in wire.Inline) (*Snapshot, error) {
	return c.open(in.ETag, wire.SealedKey{Suite: in.Suite, Sealed: in.SealedKey}, in.Ciphertext)
}

// open decrypts and verifies a snapshot and keeps it as the last one.
func (c *Client) open(etag string, sealed wire.SealedKey, ciphertext []byte) (*Snapshot, error) {
	if !wire.ValidETag(etag) {
		return nil, fmt.Errorf("%w: ETag %q is not a hex SHA-256 digest", ErrInvalidSnapshot, etag)
	}
	dataKey, err := wire.OpenDataKey(c.priv, etag, sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSnapshot, err)
	}
	plaintext, err := wire.DecryptBody(dataKey, etag, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSnapshot, err)
	}
	if digest := wire.ComputeETag(plaintext); digest != etag {
		return nil, fmt.Errorf("%w: plaintext SHA-256 %s differs from ETag %s", ErrInvalidSnapshot, digest, etag)
	}
	doc, err := wire.ParseDocument(plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSnapshot, err)
	}
	s := &Snapshot{ETag: etag, Plaintext: plaintext, Document: doc}
	c.mu.Lock()
	c.last = s
	c.mu.Unlock()
	return s, nil
}
