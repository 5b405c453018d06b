package results

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFormDetection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		raw    string
		detail string
	}{
		{"empty", "", "missing"},
		{"blank", "  \n", "missing"},
		{"null", "null", "missing"},
		{"array", "[]", "expected an object"},
		{"string", `"findings"`, "expected an object"},
		{"empty object", "{}", `neither "findings"`},
		{"summary only", `{"summary": "x"}`, `neither "findings"`},
		{"invalid JSON", `{"findings": [}`, "invalid JSON"},
	}
	for _, test := range cases {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			requireFieldError(t, []byte(test.raw), Limits{}, "results", test.detail)
		})
	}
}

func TestParseToleratesBOM(t *testing.T) {
	t.Parallel()
	raw := append(append([]byte{}, utf8BOM...), nativeResults(validNativeFinding)...)
	parsed, err := Parse(raw, Limits{})
	require.NoError(t, err)
	assert.Len(t, parsed.Findings, 1)
}

func TestStripBOM(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []byte(`{}`), StripBOM([]byte("\xEF\xBB\xBF{}")))
	assert.Equal(t, []byte(`{}`), StripBOM([]byte(`{}`)))
	assert.Equal(t, []byte("\xEF\xBB"), StripBOM([]byte("\xEF\xBB")))
	assert.Empty(t, StripBOM(nil))
}

func TestSeverityRankAndParse(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 3, SeverityError.Rank())
	assert.Equal(t, 2, SeverityWarning.Rank())
	assert.Equal(t, 1, SeverityNote.Rank())
	assert.Equal(t, 0, Severity("none").Rank())
	for _, severity := range []Severity{SeverityError, SeverityWarning, SeverityNote} {
		parsed, err := ParseSeverity(string(severity))
		require.NoError(t, err)
		assert.Equal(t, severity, parsed)
	}
	_, err := ParseSeverity("Error")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"Error"`)
}

func TestFindingBlocking(t *testing.T) {
	t.Parallel()
	warning := Finding{Kind: KindFail, Severity: SeverityWarning, Path: "a.go"}
	assert.True(t, warning.Blocking(SeverityNote))
	assert.True(t, warning.Blocking(SeverityWarning))
	assert.False(t, warning.Blocking(SeverityError))
	assert.False(t, warning.Blocking(Severity("bogus")), "an invalid threshold counts as error")
	assert.True(t, Finding{Kind: KindFail, Severity: SeverityError}.Blocking(""))

	suppressed := warning
	suppressed.Suppressed = true
	assert.False(t, suppressed.Blocking(SeverityNote))
	review := warning
	review.Kind = "review"
	assert.False(t, review.Blocking(SeverityNote))
}

func TestFindingAnnotatable(t *testing.T) {
	t.Parallel()
	finding := Finding{Kind: KindFail, Severity: SeverityNote, Path: "a.go", StartLine: 1, EndLine: 1}
	assert.True(t, finding.Annotatable())
	withoutPath := finding
	withoutPath.Path = ""
	assert.False(t, withoutPath.Annotatable())
	suppressed := finding
	suppressed.Suppressed = true
	assert.False(t, suppressed.Annotatable())
	pass := finding
	pass.Kind = "pass"
	assert.False(t, pass.Annotatable())
}

func TestComputeFingerprintFormula(t *testing.T) {
	t.Parallel()
	assert.Equal(t, sha256Hex("p\x00src/a.go\x00msg\x00"), ComputeFingerprint("p", "src/a.go", "msg"))
	// The separators keep differently split fields apart.
	assert.NotEqual(t, ComputeFingerprint("ab", "c", "m"), ComputeFingerprint("a", "bc", "m"))
	assert.Len(t, ComputeFingerprint("", "", ""), 64)
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"main.go":                  "go",
		"src/App.TSX":              "typescript",
		`C:\src\Program.cs`:        "csharp",
		"lib/a.hpp":                "cpp",
		"infra/main.tf":            "terraform",
		"build/Dockerfile":         "dockerfile",
		"build/Dockerfile.release": "dockerfile",
		"README":                   "",
		"archive.tar.gz":           "",
		"":                         "",
		"host://10.0.0.1":          "",
	}
	for path, want := range cases {
		assert.Equal(t, want, Language(path), path)
	}
}

func TestTruncateText(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short", truncateText("short", 5))
	cut := truncateText(strings.Repeat("a", 100), 30)
	assert.Len(t, cut, 30)
	assert.True(t, strings.HasSuffix(cut, truncationMarker))
	tiny := truncateText("ééééé", 5)
	assert.Equal(t, "éé", tiny, "too small for the marker: cut at a rune boundary only")
	assert.True(t, utf8.ValidString(truncateText(strings.Repeat("€", 50), 40)))
}

func TestMemberPath(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "results.pattern_id", memberPath("results", "pattern_id"))
	assert.Equal(t, "results.x2", memberPath("results", "x2"))
	assert.Equal(t, `results[""]`, memberPath("results", ""))
	assert.Equal(t, `results["2x"]`, memberPath("results", "2x"))
	assert.Equal(t, `results["a.b"]`, memberPath("results", "a.b"))
	assert.Equal(t, `results["\x00"]`, memberPath("results", "\x00"))
	long := memberPath("results", strings.Repeat("k", 100))
	assert.Less(t, len(long), 100)
}

func TestFieldErrorMessage(t *testing.T) {
	t.Parallel()
	err := &FieldError{Field: "results.findings[0].severity", Detail: "missing; send a non-empty string"}
	assert.Equal(t, "results.findings[0].severity: missing; send a non-empty string", err.Error())
}

func TestDefaultLimitsApplied(t *testing.T) {
	t.Parallel()
	assert.Equal(t, DefaultLimits(), Limits{}.withDefaults())
	assert.Equal(t, DefaultLimits(), Limits{MaxFindings: -1, MaxMessageBytes: -1, MaxPathBytes: -1}.withDefaults())
	custom := Limits{MaxFindings: 1, MaxMessageBytes: 2, MaxPathBytes: 3}
	assert.Equal(t, custom, custom.withDefaults())
}
