package config

// SnapshotsConfig configures pattern snapshots and their keyring.
type SnapshotsConfig struct{}

func (s *SnapshotsConfig) defaults() {}

func (s *SnapshotsConfig) validate() error { return nil }
