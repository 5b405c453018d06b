package results

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nativeResults wraps findings, written as JSON objects, in the native form.
func nativeResults(findings ...string) []byte {
	return []byte(`{"findings": [` + strings.Join(findings, ",") + `], "summary": "scan done"}`)
}

// validNativeProperties are the properties of a valid native finding.
var validNativeProperties = [][2]string{
	{"pattern_id", `"go/sql-injection"`},
	{"path", `"db/query.go"`},
	{"start_line", `12`},
	{"end_line", `14`},
	{"severity", `"error"`},
	{"message", `"Query built from user input."`},
	{"fingerprint", `"fp-1"`},
}

// nativeFindingWith returns a valid native finding, as JSON, whose property
// name has the JSON value value; a name it lacks is added.
func nativeFindingWith(name, value string) string {
	properties := []string{}
	replaced := false
	for _, property := range validNativeProperties {
		if property[0] == name {
			property[1], replaced = value, true
		}
		properties = append(properties, fmt.Sprintf("%q: %s", property[0], property[1]))
	}
	if !replaced && name != "" {
		properties = append(properties, fmt.Sprintf("%q: %s", name, value))
	}
	return "{" + strings.Join(properties, ", ") + "}"
}

var validNativeFinding = nativeFindingWith("", "")

func TestNativeFullFinding(t *testing.T) {
	t.Parallel()
	parsed, err := Parse(nativeResults(validNativeFinding), Limits{})
	require.NoError(t, err)
	assert.Equal(t, FormatNative, parsed.Format)
	assert.Equal(t, "scan done", parsed.Summary)
	assert.Empty(t, parsed.Tools)
	require.Len(t, parsed.Findings, 1)
	assert.Equal(t, Finding{
		PatternID:   "go/sql-injection",
		Path:        "db/query.go",
		StartLine:   12,
		EndLine:     14,
		Severity:    SeverityError,
		Message:     "Query built from user input.",
		Fingerprint: "fp-1",
		Kind:        KindFail,
		Language:    "go",
	}, parsed.Findings[0])
	assert.True(t, parsed.Findings[0].Blocking(SeverityError))
	assert.True(t, parsed.Findings[0].Annotatable())
}

func TestNativeDefaults(t *testing.T) {
	t.Parallel()
	findings := parseValid(t, nativeResults(
		`{"pattern_id": "p", "severity": "note", "message": "no location"}`,
		`{"pattern_id": "p", "path": "./src/../src/app.py", "severity": "warning", "message": "file"}`,
		`{"pattern_id": "p", "path": "a.rb", "start_line": 5, "severity": "warning", "message": "m",
		  "fingerprint": null, "end_line": null}`,
	), Limits{})
	require.Len(t, findings, 3)

	assert.Empty(t, findings[0].Path)
	assert.Zero(t, findings[0].StartLine)
	assert.Zero(t, findings[0].EndLine)
	assert.Equal(t, ComputeFingerprint("p", "", "no location"), findings[0].Fingerprint)
	assert.False(t, findings[0].Annotatable())

	assert.Equal(t, "src/app.py", findings[1].Path)
	assert.Equal(t, 1, findings[1].StartLine, "a path without lines is file-level")
	assert.Equal(t, 1, findings[1].EndLine)
	assert.Equal(t, "python", findings[1].Language)

	assert.Equal(t, 5, findings[2].EndLine, "end_line defaults to start_line")
	assert.Equal(t, ComputeFingerprint("p", "a.rb", "m"), findings[2].Fingerprint)
}

func TestNativeEmptyFindings(t *testing.T) {
	t.Parallel()
	parsed, err := Parse([]byte(`{"findings": []}`), Limits{})
	require.NoError(t, err)
	assert.Empty(t, parsed.Findings)
	assert.Empty(t, parsed.Summary)
}

func TestNativeMessageCleaned(t *testing.T) {
	t.Parallel()
	message := strings.Repeat("é", 100) // 200 bytes
	findings := parseValid(t, nativeResults(
		`{"pattern_id": "p", "severity": "note", "message": "`+message+`"}`,
		`{"pattern_id": "p", "severity": "note", "message": "a\u0000b"}`,
	), Limits{MaxMessageBytes: 51})
	truncated := findings[0].Message
	assert.LessOrEqual(t, len(truncated), 51)
	assert.True(t, utf8.ValidString(truncated))
	assert.True(t, strings.HasSuffix(truncated, truncationMarker))
	assert.Equal(t, "a\uFFFDb", findings[1].Message)
}

func TestNativeMaxFindings(t *testing.T) {
	t.Parallel()
	finding := `{"pattern_id": "p", "severity": "note", "message": "m"}`
	raw := nativeResults(finding, finding, finding)
	assert.Len(t, parseValid(t, raw, Limits{MaxFindings: 3}), 3)
	requireFieldError(t, raw, Limits{MaxFindings: 2}, "results.findings", `"final": false`)
}

func TestNativeRejections(t *testing.T) {
	t.Parallel()
	// with returns a valid finding followed by one whose property name is
	// set to value, so errors name findings[1].
	with := func(name, value string) []byte {
		return nativeResults(validNativeFinding, nativeFindingWith(name, value))
	}
	cases := []struct {
		name   string
		raw    []byte
		field  string
		detail string
	}{
		{"findings null", []byte(`{"findings": null}`), "results.findings", "missing"},
		{"findings object", []byte(`{"findings": {}}`), "results.findings", "expected an array"},
		{"finding null", []byte(`{"findings": [null]}`), "results.findings[0]", "null"},
		{"finding number", []byte(`{"findings": [1]}`), "results.findings[0]", "expected an object"},
		{"unknown top field", []byte(`{"findings": [], "zeta": 1, "extra": 2}`), "results.extra", "allowed fields are findings, summary"},
		{"unknown odd field", []byte(`{"findings": [], "": 1}`), `results[""]`, "unknown field"},
		{"unknown finding field", with("colour", `"red"`), "results.findings[1].colour", "pattern_id, path"},
		{"summary number", []byte(`{"findings": [], "summary": 3}`), "results.summary", "expected a string"},
		{"summary too long", []byte(`{"findings": [], "summary": "` + strings.Repeat("s", maxSummaryBytes+1) + `"}`),
			"results.summary", "65536"},
		{"pattern id missing", []byte(`{"findings": [{"severity": "note", "message": "m"}]}`), "results.findings[0].pattern_id", "missing"},
		{"pattern id blank", with("pattern_id", `""`), "results.findings[1].pattern_id", "missing"},
		{"pattern id number", with("pattern_id", `7`), "results.findings[1].pattern_id", "expected a string"},
		{"pattern id long", with("pattern_id", `"`+strings.Repeat("é", 257)+`"`), "results.findings[1].pattern_id", "257 characters"},
		{"pattern id newline", with("pattern_id", `"a\nb"`), "results.findings[1].pattern_id", "control character"},
		{"severity missing", []byte(`{"findings": [{"pattern_id": "p", "message": "m"}]}`), "results.findings[0].severity", "missing"},
		{"severity value", with("severity", `"critical"`), "results.findings[1].severity", `"critical"`},
		{"message missing", []byte(`{"findings": [{"pattern_id": "p", "severity": "note"}]}`), "results.findings[0].message", "missing"},
		{"message blank", with("message", `"  "`), "results.findings[1].message", "missing"},
		{"path absolute", with("path", `"/etc/passwd"`), "results.findings[1].path", "absolute"},
		{"path drive", with("path", `"C:/src/a.cs"`), "results.findings[1].path", "absolute"},
		{"path backslash root", with("path", `"\\\\server\\share"`), "results.findings[1].path", "absolute"},
		{"path escapes", with("path", `"a/../../etc/passwd"`), "results.findings[1].path", "leaves the repository"},
		{"path parent", with("path", `".."`), "results.findings[1].path", "leaves the repository"},
		{"path root", with("path", `"./"`), "results.findings[1].path", "repository root"},
		{"path NUL", with("path", `"a\u0000b"`), "results.findings[1].path", "NUL"},
		{"path type", with("path", `["a"]`), "results.findings[1].path", "expected a string"},
		{"start line zero", with("start_line", `0`), "results.findings[1].start_line", "is 0"},
		{"start line negative", with("start_line", `-3`), "results.findings[1].start_line", "is -3"},
		{"start line float", with("start_line", `1.5`), "results.findings[1].start_line", "number 1.5"},
		{"start line exponent", with("start_line", `1e3`), "results.findings[1].start_line", "positive integer"},
		{"start line string", with("start_line", `"12"`), "results.findings[1].start_line", "a string"},
		{"start line huge", with("start_line", `2147483648`), "results.findings[1].start_line", "2147483647"},
		{"start line overflow", with("start_line", `99999999999999999999`), "results.findings[1].start_line", "positive integer"},
		{"end before start", with("end_line", `3`), "results.findings[1].end_line", "before start_line 12"},
		{"end without start", []byte(`{"findings": [{"pattern_id": "p", "path": "a", "end_line": 3,
			"severity": "note", "message": "m"}]}`), "results.findings[0].start_line", "missing while end_line"},
		{"lines without path", []byte(`{"findings": [{"pattern_id": "p", "start_line": 3,
			"severity": "note", "message": "m"}]}`), "results.findings[0].path", "missing while start_line"},
		{"fingerprint long", with("fingerprint", `"`+strings.Repeat("f", 257)+`"`), "results.findings[1].fingerprint", "257 bytes"},
		{"fingerprint control", with("fingerprint", `"a\tb"`), "results.findings[1].fingerprint", "control character"},
		{"fingerprint number", with("fingerprint", `5`), "results.findings[1].fingerprint", "expected a string"},
	}
	for _, test := range cases {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			requireFieldError(t, test.raw, Limits{}, test.field, test.detail)
		})
	}
}

func TestNativePathTooLong(t *testing.T) {
	t.Parallel()
	path := strings.Repeat("d/", 40) + "a.go"
	raw := nativeResults(fmt.Sprintf(`{"pattern_id": "p", "path": %q, "severity": "note", "message": "m"}`, path))
	requireFieldError(t, raw, Limits{MaxPathBytes: 64}, "results.findings[0].path", "maximum is 64")
	assert.Len(t, parseValid(t, raw, Limits{MaxPathBytes: len(path)}), 1)
}
