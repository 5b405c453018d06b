package results

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// ComputeFingerprint returns the fingerprint of a finding whose scanner sent
// none: the lower-case hex SHA-256 of the pattern id, path and message as
// stored, each followed by a NUL byte:
//
//	hex(sha256(patternID + "\x00" + path + "\x00" + message + "\x00"))
//
// Stored values never contain NUL, so distinct triples never share an input.
// The line is left out so that the fingerprint survives code moving within a
// file. As a result, two findings of one pattern with the same message in
// the same file share a fingerprint.
func ComputeFingerprint(patternID, path, message string) string {
	return digestFields(patternID, path, message)
}

func digestFields(fields ...string) string {
	hash := sha256.New()
	for _, field := range fields {
		hash.Write([]byte(field))
		hash.Write([]byte{0})
	}
	return hex.EncodeToString(hash.Sum(nil))
}

// sarifFingerprint picks a SARIF result's own fingerprint, or "" when it has
// none. The fingerprints property (SARIF 2.1.0 §3.27.16) contains complete
// fingerprints, so the value of its first non-empty key in sorted order is
// used. Only without it, partialFingerprints (§3.27.17) is read. It contains
// parts of one fingerprint, so a single non-empty entry is used as is, and
// several are combined with digestFields over the sorted key and value
// pairs. Taking one part alone could merge distinct results, for example
// all gitleaks results of one commit author.
//
// A value longer than maxFingerprintBytes, or containing a control
// character, is replaced by its SHA-256 hex digest.
func sarifFingerprint(fingerprints, partial map[string]string) string {
	keys := nonEmptyKeys(fingerprints)
	if len(keys) > 0 {
		return storableFingerprint(fingerprints[keys[0]])
	}
	keys = nonEmptyKeys(partial)
	switch len(keys) {
	case 0:
		return ""
	case 1:
		return storableFingerprint(partial[keys[0]])
	}
	pairs := make([]string, 0, 2*len(keys))
	for _, key := range keys {
		pairs = append(pairs, key, partial[key])
	}
	return digestFields(pairs...)
}

func nonEmptyKeys(values map[string]string) []string {
	keys := make([]string, 0, len(values))
	for key, value := range values {
		if strings.TrimSpace(value) != "" {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

func storableFingerprint(value string) string {
	if len(value) > maxFingerprintBytes || hasControl(value) {
		return digestFields(value)
	}
	return value
}
