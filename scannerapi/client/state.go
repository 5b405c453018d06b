package client

import (
	"crypto/hpke"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	snapclient "github.com/centralcloud/centralcloud/snapshots/client"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// Files of a state directory. The state file holds a private key, so both
// are written with mode 0600 in a directory of mode 0700.
const (
	StateFileName    = "state.json"
	SnapshotFileName = "snapshot.json"
)

// State is the data a scanner keeps between runs: its HPKE key, and the
// last verified pattern snapshot with its ETag. Sending that ETag when a
// run is registered makes the server skip the snapshot when it is current.
type State struct {
	// ClientKey is the HPKE private key that snapshots are sealed to.
	ClientKey hpke.PrivateKey
	// PatternsETag is the bare ETag of Snapshot, or "" when there is none.
	PatternsETag string
	// Snapshot is the verified plaintext snapshot document.
	Snapshot []byte
}

// stateFile is the JSON form of the state file. encoding/json writes the
// key in standard base64.
type stateFile struct {
	Suite        wire.Suite `json:"suite"`
	PrivateKey   []byte     `json:"private_key"`
	PatternsETag string     `json:"patterns_etag,omitempty"`
}

// LoadState reads the state kept in dir. A missing directory or state file
// gives a new State with a fresh X25519 key. A snapshot file whose SHA-256
// differs from the stored ETag is ignored, as if there were none, so the
// next registration fetches the snapshot again.
func LoadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, StateFileName))
	if errors.Is(err, fs.ErrNotExist) {
		key, err := wire.SuiteX25519.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("generate client key: %w", err)
		}
		return &State{ClientKey: key}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read scanner state: %w", err)
	}
	var file stateFile
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("read scanner state %s: invalid JSON (delete the file to start afresh): %w",
			filepath.Join(dir, StateFileName), err)
	}
	state := &State{}
	if state.ClientKey, err = file.privateKey(); err != nil {
		return nil, fmt.Errorf("read scanner state %s: %w (delete the file to start afresh)",
			filepath.Join(dir, StateFileName), err)
	}
	snapshot, err := os.ReadFile(filepath.Join(dir, SnapshotFileName))
	if err == nil && file.PatternsETag != "" && wire.ComputeETag(snapshot) == file.PatternsETag {
		state.PatternsETag, state.Snapshot = file.PatternsETag, snapshot
	}
	return state, nil
}

func (f stateFile) privateKey() (hpke.PrivateKey, error) {
	kem, err := f.Suite.KEM()
	if err != nil {
		return nil, err
	}
	key, err := kem.NewPrivateKey(f.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("invalid %s private key: %w", f.Suite, err)
	}
	return key, nil
}

// Update records a verified snapshot; nil leaves the state unchanged.
func (s *State) Update(snapshot *snapclient.Snapshot) {
	if snapshot != nil {
		s.PatternsETag, s.Snapshot = snapshot.ETag, snapshot.Plaintext
	}
}

// Save writes the state to dir, creating it if needed. Each file is
// replaced whole, so a crash leaves the old or the new version.
func (s *State) Save(dir string) error {
	header, err := wire.FormatClientKey(s.ClientKey.PublicKey())
	if err != nil {
		return err
	}
	suite, _, _ := strings.Cut(header, " ")
	raw, err := s.ClientKey.Bytes()
	if err != nil {
		return fmt.Errorf("serialise client key: %w", err)
	}
	data, err := json.MarshalIndent(stateFile{Suite: wire.Suite(suite), PrivateKey: raw, PatternsETag: s.PatternsETag}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode scanner state: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	if s.PatternsETag != "" {
		if err := writeFileAtomic(filepath.Join(dir, SnapshotFileName), s.Snapshot); err != nil {
			return err
		}
	}
	return writeFileAtomic(filepath.Join(dir, StateFileName), append(data, '\n'))
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
