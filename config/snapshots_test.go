package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSnapshotsConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	c, err := load("", []string{
		"CENTRALCLOUD_SNAPSHOTS_KEYS=k1:AAAA,k2:BBBB",
		"CENTRALCLOUD_SNAPSHOTS_ACTIVE_KEY_ID=k2",
		"CENTRALCLOUD_SNAPSHOTS_RELOAD_INTERVAL=30s",
		"CENTRALCLOUD_SNAPSHOTS_WEIGHT_CHANGE_THRESHOLD=0.1",
	})
	require.NoError(t, err)
	require.Equal(t, []string{"k1:AAAA", "k2:BBBB"}, c.Snapshots.Keys)
	require.Equal(t, "k2", c.Snapshots.ActiveKeyID)
	require.Equal(t, 30*time.Second, c.Snapshots.ReloadInterval)
	require.InDelta(t, 0.1, c.Snapshots.WeightChangeThreshold, 1e-9)
	require.Equal(t, "data/snapshot-keyring.json", c.Snapshots.KeyringPath("data"))
}

func TestSnapshotsConfigValidation(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"CENTRALCLOUD_SNAPSHOTS_KEYS=nocolon":                "snapshots.keys entry 1",
		"CENTRALCLOUD_SNAPSHOTS_ACTIVE_KEY_ID=bad id":        "snapshots.active_key_id",
		"CENTRALCLOUD_SNAPSHOTS_RELOAD_INTERVAL=10ms":        "snapshots.reload_interval",
		"CENTRALCLOUD_SNAPSHOTS_WEIGHT_CHANGE_THRESHOLD=1.5": "snapshots.weight_change_threshold",
	}
	for env, key := range cases {
		_, err := load("", []string{env})
		require.ErrorContains(t, err, key, env)
	}
	_, err := load("", []string{"CENTRALCLOUD_SNAPSHOTS_KEYS=k1:c2VjcmV0"})
	require.NoError(t, err)
}

func TestSnapshotsConfigHidesSecrets(t *testing.T) {
	t.Parallel()
	_, err := load("", []string{"CENTRALCLOUD_SNAPSHOTS_KEYS=bad id:c2VjcmV0"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "c2VjcmV0")
}
