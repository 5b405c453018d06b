package results

import (
	"strings"
	"unicode/utf8"
)

// Limits bounds what one results object may contain.
type Limits struct {
	// MaxFindings is the maximum number of findings in one event. A scanner
	// with more sends them in several events with "final": false.
	MaxFindings int
	// MaxMessageBytes is the maximum stored message length in bytes. Longer
	// messages are truncated, not rejected.
	MaxMessageBytes int
	// MaxPathBytes is the maximum path length in bytes. A longer path is
	// rejected.
	MaxPathBytes int
}

// Default limits, used for every Limits field that is zero or negative.
// They are product choices, not limits of GitHub or Postgres.
const (
	DefaultMaxFindings     = 10000
	DefaultMaxMessageBytes = 4096
	// DefaultMaxPathBytes is Linux's PATH_MAX.
	DefaultMaxPathBytes = 4096
)

// Fixed limits of the results object.
const (
	// maxPatternIDChars bounds pattern ids, counted in Unicode code points.
	maxPatternIDChars = 256
	// maxFingerprintBytes bounds a native fingerprint. A longer SARIF
	// fingerprint is replaced by its SHA-256 digest.
	maxFingerprintBytes = 256
	// maxSummaryBytes bounds the native summary.
	maxSummaryBytes = 64 << 10
)

// DefaultLimits returns the limits that Parse applies when given zero Limits.
func DefaultLimits() Limits {
	return Limits{
		MaxFindings:     DefaultMaxFindings,
		MaxMessageBytes: DefaultMaxMessageBytes,
		MaxPathBytes:    DefaultMaxPathBytes,
	}
}

func (l Limits) withDefaults() Limits {
	defaults := DefaultLimits()
	if l.MaxFindings <= 0 {
		l.MaxFindings = defaults.MaxFindings
	}
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = defaults.MaxMessageBytes
	}
	if l.MaxPathBytes <= 0 {
		l.MaxPathBytes = defaults.MaxPathBytes
	}
	return l
}

// truncationMarker ends a message that was cut to MaxMessageBytes.
const truncationMarker = " …[truncated]"

// truncateText cuts s to at most maxBytes bytes at a UTF-8 boundary and ends
// it with truncationMarker, or with nothing when maxBytes cannot hold the
// marker.
func truncateText(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	marker := truncationMarker
	if maxBytes <= len(marker) {
		marker = ""
	}
	cut := maxBytes - len(marker)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + marker
}

// cleanText replaces NUL characters, which Postgres text columns reject, with
// U+FFFD.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// hasControl reports whether s contains a Unicode control character
// (C0, DEL or C1), which identifiers must not contain.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7F && r < 0xA0) {
			return true
		}
	}
	return false
}

func tooManyFindings(jsonPath string, limits Limits) *FieldError {
	return fieldErrorf(jsonPath, "contains more than %d findings, the maximum for one event; "+
		`send them in batches of at most %d, with "final": false on every batch but the last`,
		limits.MaxFindings, limits.MaxFindings)
}
