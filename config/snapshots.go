package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// snapshotKeyIDPattern matches the ids that the snapshot keyring accepts.
var snapshotKeyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// SnapshotsConfig configures pattern snapshots and their keyring of
// key-encryption keys.
type SnapshotsConfig struct {
	// KeyringFile is the path of the keyring file that `centralcloud keys`
	// maintains. Empty: snapshot-keyring.json in data_dir. A missing file is
	// an empty keyring.
	KeyringFile string `yaml:"keyring_file"`
	// Keys are inline key-encryption keys, each "<id>:<base64 of 32 bytes>"
	// as printed by `centralcloud keys generate`. They add to the file's.
	Keys []string `yaml:"keys"`
	// ActiveKeyID selects the key that wraps new data keys. Empty: the
	// file's active key, else the only key.
	ActiveKeyID string `yaml:"active_key_id"`
	// ReloadInterval is how often each replica reloads the current snapshot
	// without a notification, as a safety net.
	ReloadInterval time.Duration `yaml:"reload_interval"`
	// WeightChangeThreshold is the change in one pattern's learned weight
	// (from 0 to 1) beyond which a snapshot rebuild is queued.
	WeightChangeThreshold float64 `yaml:"weight_change_threshold"`
}

func (s *SnapshotsConfig) defaults() {
	s.ReloadInterval = 5 * time.Minute
	s.WeightChangeThreshold = 0.05
}

// KeyringPath returns the keyring file's path: keyring_file, else
// snapshot-keyring.json in dataDir.
func (s *SnapshotsConfig) KeyringPath(dataDir string) string {
	if s.KeyringFile != "" {
		return s.KeyringFile
	}
	return filepath.Join(dataDir, "snapshot-keyring.json")
}

func (s *SnapshotsConfig) validate() error {
	var errs []error
	for i, entry := range s.Keys {
		id, secret, found := strings.Cut(entry, ":")
		if !found || !snapshotKeyIDPattern.MatchString(id) || secret == "" {
			// The entry holds a secret, so it is not repeated here.
			errs = append(errs, fmt.Errorf("snapshots.keys entry %d is not \"<id>:<base64 secret>\": "+
				"create one with centralcloud keys generate", i+1))
		}
	}
	if s.ActiveKeyID != "" && !snapshotKeyIDPattern.MatchString(s.ActiveKeyID) {
		errs = append(errs, fmt.Errorf("snapshots.active_key_id %q is not a key id: use the id part of a key, "+
			"as listed by centralcloud keys list", s.ActiveKeyID))
	}
	if s.ReloadInterval < time.Second {
		errs = append(errs, errors.New("snapshots.reload_interval must be at least 1s, e.g. 5m"))
	}
	if s.WeightChangeThreshold < 0 || s.WeightChangeThreshold >= 1 {
		errs = append(errs, fmt.Errorf("snapshots.weight_change_threshold %g is outside [0, 1): use e.g. 0.05",
			s.WeightChangeThreshold))
	}
	return errors.Join(errs...)
}
