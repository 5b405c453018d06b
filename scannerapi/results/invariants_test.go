package results

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// assertFindingInvariants checks what every parsed finding must satisfy to
// be stored, whatever the input.
func assertFindingInvariants(t *testing.T, findings []Finding, limits Limits) {
	t.Helper()
	for i, finding := range findings {
		assert.NotEmpty(t, finding.PatternID, "finding %d pattern id", i)
		assert.LessOrEqual(t, utf8.RuneCountInString(finding.PatternID), maxPatternIDChars, "finding %d pattern id", i)
		assert.Positive(t, finding.Severity.Rank(), "finding %d severity %q", i, finding.Severity)
		assert.NotEmpty(t, finding.Message, "finding %d message", i)
		assert.LessOrEqual(t, len(finding.Message), limits.MaxMessageBytes, "finding %d message", i)
		assert.NotEmpty(t, finding.Fingerprint, "finding %d fingerprint", i)
		assert.NotEmpty(t, finding.Kind, "finding %d kind", i)
		assert.LessOrEqual(t, len(finding.Path), limits.MaxPathBytes, "finding %d path", i)
		assert.Equal(t, Language(finding.Path), finding.Language, "finding %d language", i)
		if finding.Path == "" {
			assert.Zero(t, finding.StartLine, "finding %d start line without path", i)
			assert.Zero(t, finding.EndLine, "finding %d end line without path", i)
		} else {
			assert.GreaterOrEqual(t, finding.StartLine, 1, "finding %d start line", i)
			assert.GreaterOrEqual(t, finding.EndLine, finding.StartLine, "finding %d end line", i)
			assert.LessOrEqual(t, finding.EndLine, math.MaxInt32, "finding %d end line", i)
		}
		for _, text := range []string{finding.PatternID, finding.Path, finding.Message,
			finding.Fingerprint, finding.Kind, finding.Language} {
			assert.True(t, utf8.ValidString(text), "finding %d has invalid UTF-8 in %q", i, text)
			assert.False(t, strings.ContainsRune(text, 0), "finding %d has a NUL in %q", i, text)
		}
	}
}
