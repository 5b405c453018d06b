package results

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzLimits are small so that fuzzed inputs reach the limits.
var fuzzLimits = Limits{MaxFindings: 50, MaxMessageBytes: 300, MaxPathBytes: 200}

// FuzzParse checks that Parse never panics, that every error is a
// *FieldError, and that every accepted input yields storable findings
// within the limits. Run it with: go test -fuzz=FuzzParse ./scannerapi/results
func FuzzParse(f *testing.F) {
	for _, name := range fixtureFiles(f) {
		f.Add(readFixture(f, name))
	}
	f.Add(nativeResults(validNativeFinding))
	f.Add(nativeResults(`{"pattern_id": "p", "severity": "note", "message": "m"}`,
		`{"pattern_id": "q", "path": "./a/../b.py", "start_line": 3, "severity": "warning",
		  "message": "\u00e9\u0000", "fingerprint": null}`))
	f.Add([]byte(`{"findings": [], "summary": "nothing found"}`))
	f.Add(sarifLog(sarifRunJSON(`[{"id": "R", "messageStrings": {"m": {"text": "{0}{{1}}"}}}]`,
		`[{"ruleIndex": 0, "message": {"id": "m", "arguments": ["x"]}, "suppressions": [{}],
		  "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a%20b", "uriBaseId": "B"},
		  "region": {"startLine": 2, "endLine": 1}}}]}]`,
		`"originalUriBaseIds": {"B": {"uri": "src/", "uriBaseId": "B"}}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, limits := range []Limits{fuzzLimits, {}} {
			parsed, err := Parse(data, limits)
			if err != nil {
				_, isFieldError := err.(*FieldError)
				require.True(t, isFieldError, "error %T %v is not a *FieldError", err, err)
				require.Nil(t, parsed)
				continue
			}
			require.NotNil(t, parsed)
			require.Contains(t, []string{FormatNative, FormatSARIF}, parsed.Format)
			require.LessOrEqual(t, len(parsed.Findings), limits.withDefaults().MaxFindings)
			assertFindingInvariants(t, parsed.Findings, limits.withDefaults())
		}
	})
}

// BenchmarkParseSARIF parses the largest recorded log: 927 FxCop results in
// 1.6 MB.
func BenchmarkParseSARIF(b *testing.B) {
	data := readFixture(b, "fxcop-927-results-suppressions.sarif.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		parsed, err := Parse(data, Limits{})
		if err != nil || len(parsed.Findings) != 927 {
			b.Fatalf("Parse returned %v", err)
		}
	}
}
