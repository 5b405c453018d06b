package snapshots

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// KeyringFile is the layout of a keyring file: JSON with the keys and the
// id of the active one. The CLI writes it with mode 0600.
type KeyringFile struct {
	ActiveKeyID string    `json:"active_key_id,omitempty"`
	Keys        []FileKey `json:"keys"`
}

// FileKey is one key-encryption key in a keyring file.
type FileKey struct {
	ID string `json:"id"`
	// Secret is the 32-byte key in standard base64.
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// ReadKeyringFile reads a keyring file. A file that does not exist is an
// empty keyring, so a fresh installation can start without one.
func ReadKeyringFile(path string) (KeyringFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return KeyringFile{}, nil
	}
	if err != nil {
		return KeyringFile{}, fmt.Errorf("read keyring file: %w", err)
	}
	var file KeyringFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return KeyringFile{}, fmt.Errorf("keyring file %s is not valid: %w", path, err)
	}
	seen := make(map[string]bool, len(file.Keys))
	for _, k := range file.Keys {
		if seen[k.ID] {
			return KeyringFile{}, fmt.Errorf("keyring file %s lists key id %q twice; remove one", path, k.ID)
		}
		seen[k.ID] = true
	}
	return file, nil
}

// WriteKeyringFile replaces the keyring file atomically (a temporary file
// in the same folder, then a rename) with mode 0600.
func WriteKeyringFile(path string, file KeyringFile) error {
	data, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return fmt.Errorf("encode keyring file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keyring-*.tmp")
	if err != nil {
		return fmt.Errorf("write keyring file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write keyring file: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write keyring file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write keyring file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write keyring file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write keyring file: %w", err)
	}
	return nil
}

// AddKey appends a key given in inline form ("<id>:<base64>") and, when
// activate is true, makes it the active key.
func (f *KeyringFile) AddKey(entry string, createdAt time.Time, activate bool) (string, error) {
	id, secret, err := ParseKey(entry)
	if err != nil {
		return "", err
	}
	if slices.ContainsFunc(f.Keys, func(k FileKey) bool { return k.ID == id }) {
		return "", fmt.Errorf("key id %q is already in the keyring file", id)
	}
	f.Keys = append(f.Keys, FileKey{ID: id, Secret: encodeSecret(secret), CreatedAt: createdAt.UTC()})
	if activate {
		f.ActiveKeyID = id
	}
	return id, nil
}

// RemoveKey deletes the key id. Removing the active key is an error.
func (f *KeyringFile) RemoveKey(id string) error {
	if f.ActiveKeyID == id {
		return fmt.Errorf("key %q is the active key; rotate to another key before retiring it", id)
	}
	i := slices.IndexFunc(f.Keys, func(k FileKey) bool { return k.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: %q is not in the keyring file", ErrUnknownKey, id)
	}
	f.Keys = slices.Delete(f.Keys, i, i+1)
	return nil
}
