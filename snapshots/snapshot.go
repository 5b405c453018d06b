package snapshots

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// Snapshot is an encrypted snapshot held in memory, ready to serve.
type Snapshot struct {
	// ETag is the bare hex SHA-256 digest of the plaintext.
	ETag string
	// Ciphertext is the body served to every client.
	Ciphertext    []byte
	PatternCount  int
	PlaintextSize int
	// CreatedAt is when the snapshot was built; zero for the empty one.
	CreatedAt time.Time

	quotedETag string
	dataKey    []byte
}

// emptyKeyLabel derives the data key of the empty snapshot. The empty
// document is public, so its key and its all-zero nonce may be fixed. That
// makes its body identical on every replica, as a strong ETag requires.
const emptyKeyLabel = "centralcloud/empty-snapshot/v1"

var emptySnapshot = buildEmptySnapshot()

func buildEmptySnapshot() *Snapshot {
	plaintext, err := wire.Canonical(wire.EmptyDocument())
	if err != nil {
		panic(fmt.Sprintf("encode empty snapshot: %v", err))
	}
	etag := wire.ComputeETag(plaintext)
	key := sha256.Sum256([]byte(emptyKeyLabel))
	body, err := wire.EncryptBody(key[:], etag, plaintext, make([]byte, wire.NonceSize))
	if err != nil {
		panic(fmt.Sprintf("encrypt empty snapshot: %v", err))
	}
	return newSnapshot(etag, body, key[:], 0, len(plaintext), time.Time{})
}

func newSnapshot(etag string, ciphertext, dataKey []byte, count, size int, created time.Time) *Snapshot {
	return &Snapshot{ETag: etag, Ciphertext: ciphertext, PatternCount: count, PlaintextSize: size,
		CreatedAt: created, quotedETag: wire.QuoteETag(etag), dataKey: dataKey}
}

// EmptySnapshot returns the snapshot that is current before any pattern set
// is published: a document without patterns.
func EmptySnapshot() *Snapshot {
	return emptySnapshot
}

// EmptyETag returns the bare ETag of the empty snapshot.
func EmptyETag() string {
	return emptySnapshot.ETag
}

// Empty reports whether s is the empty snapshot.
func (s *Snapshot) Empty() bool {
	return s.ETag == emptySnapshot.ETag
}

// Seal seals the snapshot's data key to a client key.
func (s *Snapshot) Seal(key wire.ClientKey) (wire.SealedKey, error) {
	return wire.SealDataKey(key, s.ETag, s.dataKey)
}
