// Package snapshots builds, stores, encrypts and serves the pattern
// snapshots that scanners download.
//
// An operator publishes a pattern set (a validated bundle of patterns),
// stored encrypted as a new version. The patterns_sync queue handler
// (Syncer) turns the latest set and the learned per-pattern weights into a
// canonical plaintext document, whose SHA-256 digest is its ETag. It
// encrypts the document with AES-256-GCM under a fresh data key, wraps the
// data key with the active key of the server Keyring, stores both, marks
// the snapshot current and sends NOTIFY. Every replica's Cache reloads the
// current snapshot on that notification, so the GET /patterns/snapshot
// Handler responds from memory and seals the data key to each client with
// HPKE. Package wire defines the wire format and package client the
// scanner side.
package snapshots
