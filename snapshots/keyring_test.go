package snapshots

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGenerateKeyParses(t *testing.T) {
	t.Parallel()
	id, entry, err := GenerateKey(time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(id, "k20250304-"), id)
	parsedID, secret, err := ParseKey(entry)
	require.NoError(t, err)
	require.Equal(t, id, parsedID)
	require.Len(t, secret, KeySize)
}

func TestParseKeyErrors(t *testing.T) {
	t.Parallel()
	short := base64.StdEncoding.EncodeToString([]byte("short"))
	for entry, want := range map[string]string{
		"nocolon":          "expected \"<id>:<base64 secret>\"",
		"bad id!:" + short: "invalid key id",
		"k1:not base64":    "not standard base64",
		"k1:" + short:      "secret is 5 bytes, expected 32",
	} {
		_, _, err := ParseKey(entry)
		require.ErrorContains(t, err, want, entry)
	}
}

func TestKeyringChoosesActiveKey(t *testing.T) {
	t.Parallel()
	id1, k1 := testKey(t)
	id2, k2 := testKey(t)

	only, err := LoadKeyring(KeyringOptions{Keys: []string{k1}})
	require.NoError(t, err)
	require.Equal(t, id1, only.ActiveID(), "a single key is active")

	_, err = LoadKeyring(KeyringOptions{Keys: []string{k1, k2}})
	require.ErrorIs(t, err, ErrNoActiveKey)

	both, err := LoadKeyring(KeyringOptions{Keys: []string{k1, k2}, ActiveKeyID: id2})
	require.NoError(t, err)
	require.Equal(t, id2, both.ActiveID())
	require.ElementsMatch(t, []string{id1, id2}, both.IDs())

	_, err = LoadKeyring(KeyringOptions{Keys: []string{k1}, ActiveKeyID: "absent"})
	require.ErrorIs(t, err, ErrUnknownKey)

	empty, err := LoadKeyring(KeyringOptions{})
	require.NoError(t, err)
	require.Equal(t, "", empty.ActiveID())
}

func TestKeyringRejectsConflictingSecrets(t *testing.T) {
	t.Parallel()
	id, k1 := testKey(t)
	_, other := testKey(t)
	conflicting := id + other[strings.Index(other, ":"):]
	_, err := LoadKeyring(KeyringOptions{Keys: []string{k1, conflicting}})
	require.ErrorContains(t, err, "two different secrets")
}

func TestKeyringFileRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keyring.json")
	missing, err := ReadKeyringFile(path)
	require.NoError(t, err, "a missing file is an empty keyring")
	require.Empty(t, missing.Keys)

	id1, k1 := testKey(t)
	id2, k2 := testKey(t)
	var file KeyringFile
	_, err = file.AddKey(k1, time.Now(), true)
	require.NoError(t, err)
	_, err = file.AddKey(k2, time.Now(), false)
	require.NoError(t, err)
	_, err = file.AddKey(k2, time.Now(), false)
	require.ErrorContains(t, err, "already in the keyring file")
	require.NoError(t, WriteKeyringFile(path, file))

	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	keyring, err := LoadKeyring(KeyringOptions{File: path})
	require.NoError(t, err)
	require.Equal(t, id1, keyring.ActiveID())
	require.True(t, keyring.Has(id2))

	require.ErrorContains(t, file.RemoveKey(id1), "is the active key")
	require.NoError(t, file.RemoveKey(id2))
	require.ErrorIs(t, file.RemoveKey(id2), ErrUnknownKey)
}

func TestKeyringFileRejectsUnknownFields(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keyring.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"keys": [], "primary": "k1"}`), 0o600))
	_, err := LoadKeyring(KeyringOptions{File: path})
	require.ErrorContains(t, err, `unknown field "primary"`)
}

func TestKeyringLookupRereadsFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keyring.json")
	_, k1 := testKey(t)
	id2, k2 := testKey(t)
	var file KeyringFile
	_, err := file.AddKey(k1, time.Now(), true)
	require.NoError(t, err)
	require.NoError(t, WriteKeyringFile(path, file))
	keyring, err := LoadKeyring(KeyringOptions{File: path})
	require.NoError(t, err)

	_, err = file.AddKey(k2, time.Now(), false)
	require.NoError(t, err)
	require.NoError(t, WriteKeyringFile(path, file))

	found, err := keyring.lookup(id2)
	require.NoError(t, err)
	require.False(t, found, "the file is reread at most once per reload interval")

	keyring.mu.Lock()
	keyring.lastReload = time.Now().Add(-reloadInterval)
	keyring.mu.Unlock()
	found, err = keyring.lookup(id2)
	require.NoError(t, err)
	require.True(t, found, "a key added to the file is found after a reread")
}

func TestWrapIsBoundToRowAndKey(t *testing.T) {
	t.Parallel()
	id1, k1 := testKey(t)
	id2, k2 := testKey(t)
	keyring := testKeyring(t, id1, k1, k2)
	dataKey := []byte(strings.Repeat("d", 32))

	wrapped, err := keyring.wrap(id1, "row-1", dataKey)
	require.NoError(t, err)
	got, err := keyring.unwrap(id1, "row-1", wrapped)
	require.NoError(t, err)
	require.Equal(t, dataKey, got)

	_, err = keyring.unwrap(id1, "row-2", wrapped)
	require.Error(t, err, "a wrap moved to another row must not open")
	_, err = keyring.unwrap(id2, "row-1", wrapped)
	require.Error(t, err, "a wrap must not open under another key")
	_, err = keyring.unwrap("absent", "row-1", wrapped)
	require.ErrorIs(t, err, ErrUnknownKey)
}
