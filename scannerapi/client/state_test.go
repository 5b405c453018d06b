package client_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/scannerapi/client"
	snapclient "github.com/centralcloud/centralcloud/snapshots/client"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state")
	state, err := client.LoadState(dir)
	require.NoError(t, err)
	require.NotNil(t, state.ClientKey)
	require.Empty(t, state.PatternsETag)

	plaintext := []byte(`{"patterns":[]}`)
	state.Update(&snapclient.Snapshot{ETag: wire.ComputeETag(plaintext), Plaintext: plaintext})
	require.NoError(t, state.Save(dir))

	loaded, err := client.LoadState(dir)
	require.NoError(t, err)
	require.Equal(t, state.PatternsETag, loaded.PatternsETag)
	require.Equal(t, plaintext, loaded.Snapshot)
	want, err := wire.FormatClientKey(state.ClientKey.PublicKey())
	require.NoError(t, err)
	got, err := wire.FormatClientKey(loaded.ClientKey.PublicKey())
	require.NoError(t, err)
	require.Equal(t, want, got, "the client key survives the round trip")

	for _, name := range []string{client.StateFileName, client.SnapshotFileName} {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), name)
	}
}

func TestStateDropsAlteredSnapshot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state, err := client.LoadState(dir)
	require.NoError(t, err)
	plaintext := []byte(`{"patterns":[]}`)
	state.Update(&snapclient.Snapshot{ETag: wire.ComputeETag(plaintext), Plaintext: plaintext})
	require.NoError(t, state.Save(dir))
	require.NoError(t, os.WriteFile(filepath.Join(dir, client.SnapshotFileName), []byte(`{"patterns":[1]}`), 0o600))

	loaded, err := client.LoadState(dir)
	require.NoError(t, err)
	require.Empty(t, loaded.PatternsETag, "an ETag that does not match the snapshot is not sent")
	require.Nil(t, loaded.Snapshot)
}

func TestStateRejectsCorruptFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, client.StateFileName), []byte("{"), 0o600))
	_, err := client.LoadState(dir)
	require.ErrorContains(t, err, "delete the file")
}
