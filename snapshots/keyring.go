package snapshots

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// KeySize is the size of a key-encryption key: an AES-256 key.
const KeySize = 32

// keyIDPattern limits key ids to characters that are safe in file names,
// log fields and command lines.
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ErrNoActiveKey reports a keyring without an active key, so nothing can
// be encrypted.
var ErrNoActiveKey = errors.New("no active key-encryption key")

// ErrUnknownKey reports a key id that the keyring does not contain.
var ErrUnknownKey = errors.New("key-encryption key not in the keyring")

// KeyringOptions names where the keyring's keys come from. Keys from both
// sources are merged; an id present in both must have the same secret.
type KeyringOptions struct {
	// File is the path of a keyring file (see KeyringFile); empty for none.
	// A file that does not exist yet is an empty keyring.
	File string
	// Keys are inline keys, each "<id>:<base64 of 32 bytes>".
	Keys []string
	// ActiveKeyID selects the key that wraps new data keys. Empty means
	// the file's active key, else the only key.
	ActiveKeyID string
}

// Keyring is the server's set of key-encryption keys, by id. It wraps the
// data keys of pattern sets and snapshots with AES-256-GCM. It is safe for
// concurrent use.
type Keyring struct {
	opts KeyringOptions

	mu         sync.RWMutex
	keys       map[string][]byte
	active     string
	lastReload time.Time
}

// LoadKeyring reads the keys named by opts.
func LoadKeyring(opts KeyringOptions) (*Keyring, error) {
	k := &Keyring{opts: opts}
	if err := k.Reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Reload reads the keyring's sources again, so keys added to the file
// since the start are picked up. On error the keyring keeps its keys.
func (k *Keyring) Reload() error {
	keys, active, err := readKeys(k.opts)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys, k.active, k.lastReload = keys, active, time.Now()
	return nil
}

func readKeys(opts KeyringOptions) (map[string][]byte, string, error) {
	keys := make(map[string][]byte)
	active := opts.ActiveKeyID
	if opts.File != "" {
		file, err := ReadKeyringFile(opts.File)
		if err != nil {
			return nil, "", err
		}
		for _, fk := range file.Keys {
			secret, err := decodeSecret(fk.ID, fk.Secret)
			if err != nil {
				return nil, "", fmt.Errorf("keyring file %s: %w", opts.File, err)
			}
			keys[fk.ID] = secret
		}
		if active == "" {
			active = file.ActiveKeyID
		}
	}
	for i, entry := range opts.Keys {
		id, secret, err := ParseKey(entry)
		if err != nil {
			return nil, "", fmt.Errorf("inline key %d: %w", i+1, err)
		}
		if existing, ok := keys[id]; ok && string(existing) != string(secret) {
			return nil, "", fmt.Errorf("key id %q has two different secrets (inline and in %s); give one of them a new id",
				id, opts.File)
		}
		keys[id] = secret
	}
	active, err := chooseActive(keys, active)
	return keys, active, err
}

func chooseActive(keys map[string][]byte, active string) (string, error) {
	if active != "" {
		if _, ok := keys[active]; !ok {
			return "", fmt.Errorf("%w: the active key id %q is not among the keys %v; add it or pick another",
				ErrUnknownKey, active, sortedIDs(keys))
		}
		return active, nil
	}
	if len(keys) == 1 {
		for id := range keys {
			return id, nil
		}
	}
	if len(keys) > 1 {
		return "", fmt.Errorf("%w: %d keys %v and none marked active; set the active key id",
			ErrNoActiveKey, len(keys), sortedIDs(keys))
	}
	return "", nil
}

// ParseKey parses an inline key "<id>:<base64 of 32 bytes>".
func ParseKey(entry string) (id string, secret []byte, err error) {
	id, encoded, found := strings.Cut(strings.TrimSpace(entry), ":")
	if !found {
		return "", nil, errors.New("expected \"<id>:<base64 secret>\", as printed by `centralcloud keys generate`")
	}
	secret, err = decodeSecret(id, encoded)
	return id, secret, err
}

func decodeSecret(id, encoded string) ([]byte, error) {
	if !keyIDPattern.MatchString(id) {
		return nil, fmt.Errorf("invalid key id %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	secret, err := base64.StdEncoding.Strict().DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("key %q: secret is not standard base64: %w", id, err)
	}
	if len(secret) != KeySize {
		return nil, fmt.Errorf("key %q: secret is %d bytes, expected %d; generate one with `centralcloud keys generate`",
			id, len(secret), KeySize)
	}
	return secret, nil
}

// GenerateKey creates a new key-encryption key with an id made of the UTC
// date and random hex digits, and returns it in inline form.
func GenerateKey(now time.Time) (id, entry string, err error) {
	suffix := make([]byte, 3)
	secret := make([]byte, KeySize)
	if _, err := rand.Read(suffix); err != nil {
		return "", "", fmt.Errorf("draw key id: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return "", "", fmt.Errorf("draw key secret: %w", err)
	}
	id = fmt.Sprintf("k%s-%x", now.UTC().Format("20060102"), suffix)
	return id, id + ":" + base64.StdEncoding.EncodeToString(secret), nil
}

// ActiveID returns the id of the key that wraps new data keys, or "" when
// the keyring is empty.
func (k *Keyring) ActiveID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.active
}

// IDs returns the ids of every key, sorted.
func (k *Keyring) IDs() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return sortedIDs(k.keys)
}

// Has reports whether the keyring contains the key id.
func (k *Keyring) Has(id string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	_, ok := k.keys[id]
	return ok
}

func sortedIDs(keys map[string][]byte) []string {
	ids := make([]string, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// secret returns the key's bytes.
func (k *Keyring) secret(id string) ([]byte, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	s, ok := k.keys[id]
	return s, ok
}

// wrap seals dataKey under the key id; the associated data binds the
// result to the data key's row and the key id.
func (k *Keyring) wrap(keyID, dataKeyID string, dataKey []byte) ([]byte, error) {
	secret, ok := k.secret(keyID)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, keyID)
	}
	return sealGCM(secret, wrapAAD(keyID, dataKeyID), dataKey)
}

// unwrap opens a wrapped data key.
func (k *Keyring) unwrap(keyID, dataKeyID string, wrapped []byte) ([]byte, error) {
	secret, ok := k.secret(keyID)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, keyID)
	}
	dataKey, err := openGCM(secret, wrapAAD(keyID, dataKeyID), wrapped)
	if err != nil {
		return nil, fmt.Errorf("unwrap data key %s with key %q: %w", dataKeyID, keyID, err)
	}
	return dataKey, nil
}

func wrapAAD(keyID, dataKeyID string) []byte {
	return []byte("centralcloud/data-key/v1:" + dataKeyID + ":" + keyID)
}

// sealGCM encrypts with AES-256-GCM under a random nonce and returns the
// nonce followed by the ciphertext and tag.
func sealGCM(key, aad, plaintext []byte) ([]byte, error) {
	aead, err := newAESGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("draw nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, aad), nil
}

func openGCM(key, aad, sealed []byte) ([]byte, error) {
	aead, err := newAESGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("sealed value of %d bytes is too short", len(sealed))
	}
	n := aead.NonceSize()
	return aead.Open(nil, sealed[:n], sealed[n:], aad)
}

func newAESGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("create AES cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// reloadInterval is the minimum time between reloads of the keyring file
// when a key is missing, so a stream of unknown ids does not reread it on
// every request.
const reloadInterval = 5 * time.Second

// lookup reports whether the keyring contains id. When it does not and a
// keyring file is configured, the file is reread first (at most once per
// reloadInterval), so a key that an operator added to every replica before
// a rotation is found without a restart.
func (k *Keyring) lookup(id string) (bool, error) {
	if k.Has(id) {
		return true, nil
	}
	k.mu.RLock()
	stale := k.opts.File != "" && time.Since(k.lastReload) >= reloadInterval
	k.mu.RUnlock()
	if !stale {
		return false, nil
	}
	if err := k.Reload(); err != nil {
		return false, fmt.Errorf("reload keyring: %w", err)
	}
	return k.Has(id), nil
}

func encodeSecret(secret []byte) string {
	return base64.StdEncoding.EncodeToString(secret)
}
