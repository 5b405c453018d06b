package results

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sarifLog wraps run objects, written as JSON, in a SARIF 2.1.0 log.
func sarifLog(runs ...string) []byte {
	return []byte(`{"version": "2.1.0", "runs": [` + strings.Join(runs, ",") + `]}`)
}

// sarifRunJSON returns a run of the driver "tool" with the given rules and
// results arrays, written as JSON, plus any extra run properties.
func sarifRunJSON(rules, results string, extra ...string) string {
	properties := append([]string{
		`"tool": {"driver": {"name": "tool", "rules": ` + rules + `}}`,
		`"results": ` + results,
	}, extra...)
	return "{" + strings.Join(properties, ",") + "}"
}

func parseValid(t *testing.T, raw []byte, limits Limits) []Finding {
	t.Helper()
	parsed, err := Parse(raw, limits)
	require.NoError(t, err)
	assertFindingInvariants(t, parsed.Findings, limits.withDefaults())
	return parsed.Findings
}

func parseOne(t *testing.T, raw []byte) Finding {
	t.Helper()
	findings := parseValid(t, raw, Limits{})
	require.Len(t, findings, 1)
	return findings[0]
}

func requireFieldError(t *testing.T, raw []byte, limits Limits, field, detailPart string) {
	t.Helper()
	_, err := Parse(raw, limits)
	var fieldErr *FieldError
	require.True(t, errors.As(err, &fieldErr), "error %v is not a *FieldError", err)
	assert.Equal(t, field, fieldErr.Field, fieldErr.Detail)
	assert.Contains(t, fieldErr.Detail, detailPart)
}

func TestSARIFHierarchicalRuleIDUsesRuleDefault(t *testing.T) {
	t.Parallel()
	finding := parseOne(t, sarifLog(sarifRunJSON(
		`[{"id": "CA2101"}, {"id": "CA5350", "defaultConfiguration": {"level": "error"}}]`,
		`[{"ruleId": "CA5350/md5", "message": {"text": "weak hash"}}]`)))
	assert.Equal(t, "CA5350/md5", finding.PatternID)
	assert.Equal(t, SeverityError, finding.Severity)
}

func TestSARIFConfigurationOverride(t *testing.T) {
	t.Parallel()
	run := sarifRunJSON(`[{"id": "R1", "defaultConfiguration": {"level": "error"}}]`, `[
		{"ruleId": "R1", "message": {"text": "a"}, "provenance": {"invocationIndex": 0}},
		{"ruleId": "R1", "message": {"text": "b"}, "provenance": {"invocationIndex": 1}},
		{"ruleId": "R1", "message": {"text": "c"}},
		{"ruleId": "R1", "message": {"text": "d"}, "provenance": {"invocationIndex": 7}}]`,
		`"invocations": [
			{"ruleConfigurationOverrides": [{"descriptor": {"index": 0}, "configuration": {"level": "note"}}]},
			{"ruleConfigurationOverrides": [{"descriptor": {"id": "R1"}, "configuration": {"level": "warning"}}]}]`)
	findings := parseValid(t, sarifLog(run), Limits{})
	require.Len(t, findings, 4)
	assert.Equal(t, SeverityNote, findings[0].Severity, "override by index")
	assert.Equal(t, SeverityWarning, findings[1].Severity, "override by id")
	assert.Equal(t, SeverityError, findings[2].Severity, "no provenance: rule default")
	assert.Equal(t, SeverityError, findings[3].Severity, "dangling invocation: rule default")
}

func TestSARIFExtensionRule(t *testing.T) {
	t.Parallel()
	run := `{"tool": {"driver": {"name": "CodeQL"}, "extensions": [{"name": "codeql/go-queries",
		"rules": [{"id": "go/sql-injection", "defaultConfiguration": {"level": "error"},
		"messageStrings": {"default": {"text": "Query built from {0}."}}}]}]},
		"results": [{"rule": {"id": "go/sql-injection", "index": 0, "toolComponent": {"index": 0}},
		"message": {"id": "default", "arguments": ["user input"]}}]}`
	finding := parseOne(t, sarifLog(run))
	assert.Equal(t, "go/sql-injection", finding.PatternID)
	assert.Equal(t, SeverityError, finding.Severity)
	assert.Equal(t, "Query built from user input.", finding.Message)
}

func TestSARIFDanglingRuleIndex(t *testing.T) {
	t.Parallel()
	finding := parseOne(t, sarifLog(sarifRunJSON(`[{"id": "R0"}]`,
		`[{"ruleIndex": 7, "message": {"text": "x"}}]`)))
	assert.Equal(t, "rule-index-7", finding.PatternID)
	assert.Equal(t, SeverityWarning, finding.Severity)
}

func TestSARIFKindNotFail(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"pass", "open", "review", "informational", "notApplicable"} {
		finding := parseOne(t, sarifLog(sarifRunJSON(`[]`, `[{"ruleId": "R", "kind": "`+kind+
			`", "level": "error", "message": {"text": "x"},
			"locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.go"}}}]}]`)))
		assert.Equal(t, kind, finding.Kind)
		assert.Equal(t, SeverityNote, finding.Severity, "kind %s overrules level error", kind)
		assert.False(t, finding.Blocking(SeverityNote), kind)
		assert.False(t, finding.Annotatable(), kind)
	}
}

func TestSARIFSuppressionStatus(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		`[]`:                     false,
		`null`:                   false,
		`[{"kind": "external"}]`: true,
		`[{"kind": "inSource", "status": "accepted"}]`:        true,
		`[{"kind": "external", "status": "rejected"}]`:        false,
		`[{"kind": "external", "status": "underReview"}]`:     false,
		`[{"status": "rejected"}, {"status": "accepted"}]`:    true,
		`[{"status": "rejected"}, {"kind": "external"}]`:      true,
		`[{"status": "underReview"}, {"status": "rejected"}]`: false,
	}
	for suppressions, want := range cases {
		finding := parseOne(t, sarifLog(sarifRunJSON(`[]`,
			`[{"ruleId": "R", "message": {"text": "x"}, "suppressions": `+suppressions+`}]`)))
		assert.Equal(t, want, finding.Suppressed, suppressions)
	}
	requireFieldError(t, sarifLog(sarifRunJSON(`[]`, `[{"ruleId": "R", "message": {"text": "x"},
		"suppressions": [{"status": "approved"}]}]`)), Limits{},
		"results.runs[0].results[0].suppressions[0].status", `"approved"`)
}

// locatedResult returns a results array with one result at the given
// physicalLocation, written as JSON.
func locatedResult(physicalLocation string) string {
	return `[{"ruleId": "R", "message": {"text": "x"},
		"locations": [{"physicalLocation": ` + physicalLocation + `}]}]`
}

func TestSARIFURIResolution(t *testing.T) {
	t.Parallel()
	bases := `"originalUriBaseIds": {
		"REPO": {"uri": "file:///home/ci/repo/"},
		"SRC": {"uri": "src", "uriBaseId": "REPO"},
		"LOOP1": {"uri": "a/", "uriBaseId": "LOOP2"},
		"LOOP2": {"uri": "b/", "uriBaseId": "LOOP1"},
		"DESCRIBED": {"description": {"text": "the checkout"}}}`
	cases := map[string]string{
		`{"uri": "main.go", "uriBaseId": "SRC"}`:           "/home/ci/repo/src/main.go",
		`{"uri": "x.go", "uriBaseId": "LOOP1"}`:            "b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/x.go",
		`{"uri": "/web/a.aspx", "uriBaseId": "DESCRIBED"}`: "web/a.aspx",
		`{"uri": "x.go", "uriBaseId": "%SRCROOT%"}`:        "x.go",
		`{"uri": "./dir%20name/a%2Bb.go"}`:                 "dir name/a+b.go",
		`{"uri": "a%00b.go"}`:                              "a%00b.go",
		`{"uri": "a%ffb.go"}`:                              "a%ffb.go",
		`{"uri": "a%zzb.go"}`:                              "a%zzb.go",
		`{"uri": "file://server/share/x.c"}`:               "//server/share/x.c",
		`{"uri": "file://localhost/etc/x.conf"}`:           "/etc/x.conf",
		`{"uri": "file:///C:/src//a%20b.cs"}`:              "C:/src/a b.cs",
		`{"uri": "https://example.com/page"}`:              "https://example.com/page",
		`{"uri": "src/../lib/a.py"}`:                       "lib/a.py",
	}
	for location, want := range cases {
		run := sarifRunJSON(`[]`, locatedResult(`{"artifactLocation": `+location+`}`), bases)
		finding := parseOne(t, sarifLog(run))
		assert.Equal(t, want, finding.Path, location)
	}
}

func TestSARIFLocationWithoutPath(t *testing.T) {
	t.Parallel()
	cases := []string{
		`[]`,
		`[{"logicalLocations": [{"fullyQualifiedName": "N.C"}]}]`,
		`[{"physicalLocation": {"artifactLocation": {"uri": "."}}}]`,
		`[{"physicalLocation": {"artifactLocation": {"uri": ""}}}]`,
		`[{"physicalLocation": {"artifactLocation": {"index": 3}}}]`,
		`[{"physicalLocation": {"address": {"absoluteAddress": 4096}}}]`,
	}
	for _, locations := range cases {
		finding := parseOne(t, sarifLog(sarifRunJSON(`[]`,
			`[{"ruleId": "R", "message": {"text": "x"}, "locations": `+locations+`}]`)))
		assert.Empty(t, finding.Path, locations)
		assert.Zero(t, finding.StartLine, locations)
		assert.False(t, finding.Annotatable(), locations)
	}
}

func TestSARIFFirstPhysicalLocation(t *testing.T) {
	t.Parallel()
	finding := parseOne(t, sarifLog(sarifRunJSON(`[]`, `[{"ruleId": "R", "message": {"text": "x"},
		"locations": [{"logicalLocations": [{"name": "f"}]},
		{"physicalLocation": {"artifactLocation": {"uri": "first.c"}, "region": {"startLine": 4}}},
		{"physicalLocation": {"artifactLocation": {"uri": "second.c"}, "region": {"startLine": 9}}}]}]`)))
	assert.Equal(t, "first.c", finding.Path)
	assert.Equal(t, 4, finding.StartLine)
	assert.Equal(t, "c", finding.Language)
}

func TestSARIFRegionLines(t *testing.T) {
	t.Parallel()
	cases := map[string][2]int{
		`{"startLine": 3, "endLine": 7}`:      {3, 7},
		`{"startLine": 3}`:                    {3, 3},
		`{"startLine": 9, "endLine": 2}`:      {9, 9},
		`{"startLine": 0}`:                    {1, 1},
		`{"charOffset": 10, "charLength": 4}`: {1, 1},
		`null`:                                {1, 1},
	}
	for region, want := range cases {
		finding := parseOne(t, sarifLog(sarifRunJSON(`[]`,
			locatedResult(`{"artifactLocation": {"uri": "a.go"}, "region": `+region+`}`))))
		assert.Equal(t, want, [2]int{finding.StartLine, finding.EndLine}, region)
	}
}

func TestSARIFMessageFallbacks(t *testing.T) {
	t.Parallel()
	rules := `[{"id": "R", "shortDescription": {"text": "Short description."},
		"messageStrings": {"own": {"markdown": "Rule **{0}**."}}}]`
	run := sarifRunJSON(rules, `[
		{"ruleId": "R", "message": {"text": "Plain {0}.", "arguments": ["text"]}},
		{"ruleId": "R", "message": {"text": " ", "markdown": "Only *markdown*."}},
		{"ruleId": "R", "message": {"id": "own", "arguments": ["string"]}},
		{"ruleId": "R", "message": {"id": "shared", "arguments": ["a", "b"]}},
		{"ruleId": "R", "message": {"id": "missing"}},
		{"ruleId": "Other", "message": {}},
		{"ruleId": "R", "message": {"text": "{{0}} is {0}, {2} is missing, {x}", "arguments": ["zero"]}}]`)
	run = strings.Replace(run, `"name": "tool",`,
		`"name": "tool", "globalMessageStrings": {"shared": {"text": "Global {1} {0}."}},`, 1)
	findings := parseValid(t, sarifLog(run), Limits{})
	require.Len(t, findings, 7)
	assert.Equal(t, "Plain text.", findings[0].Message)
	assert.Equal(t, "Only *markdown*.", findings[1].Message)
	assert.Equal(t, "Rule **string**.", findings[2].Message)
	assert.Equal(t, "Global b a.", findings[3].Message)
	assert.Equal(t, "Short description.", findings[4].Message)
	assert.Equal(t, "Other", findings[5].Message)
	assert.Equal(t, "{0} is zero, {2} is missing, {x}", findings[6].Message)
}

func TestSARIFPlaceholderExpansionBounded(t *testing.T) {
	t.Parallel()
	template := strings.Repeat("{0}", 50000)
	argument := strings.Repeat("y", 1000)
	raw := sarifLog(sarifRunJSON(`[]`, `[{"ruleId": "R", "message": {"text": "`+template+
		`", "arguments": ["`+argument+`"]}}]`))
	finding := parseValid(t, raw, Limits{MaxMessageBytes: 2048})[0]
	assert.LessOrEqual(t, len(finding.Message), 2048)
	assert.True(t, strings.HasSuffix(finding.Message, truncationMarker))
}

func TestSARIFFingerprintChoice(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("f", maxFingerprintBytes+1)
	cases := map[string]string{
		`"fingerprints": {"b/v1": "second", "a/v1": "first"}, "partialFingerprints": {"p": "x"}`: "first",
		`"fingerprints": {"a/v1": " "}, "partialFingerprints": {"p/v1": "partial"}`:              "partial",
		`"partialFingerprints": {"only/v1": "` + long + `"}`:                                     sha256Hex(long + "\x00"),
		`"fingerprints": {}`: ComputeFingerprint("R", "", "x"),
	}
	for properties, want := range cases {
		finding := parseOne(t, sarifLog(sarifRunJSON(`[]`,
			`[{"ruleId": "R", "message": {"text": "x"}, `+properties+`}]`)))
		assert.Equal(t, want, finding.Fingerprint, properties)
	}
}

func TestSARIFRunsWithoutResults(t *testing.T) {
	t.Parallel()
	cases := []string{
		`{"version": "2.1.0", "runs": []}`,
		`{"version": "2.1.0", "runs": null}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": null}]}`,
		`{"runs": [{"tool": {"driver": {"name": "t"}}, "results": []}], "version": "2.1.0"}`,
	}
	for _, raw := range cases {
		parsed, err := Parse([]byte(raw), Limits{})
		require.NoError(t, err, raw)
		assert.Empty(t, parsed.Findings, raw)
		assert.Equal(t, FormatSARIF, parsed.Format, raw)
	}
}

func TestSARIFMaxFindingsAcrossRuns(t *testing.T) {
	t.Parallel()
	results := `[{"ruleId": "R", "message": {"text": "a"}}, {"ruleId": "R", "message": {"text": "b"}},
		{"ruleId": "R", "message": {"text": "c"}}]`
	raw := sarifLog(sarifRunJSON(`[]`, results), sarifRunJSON(`[]`, results))
	assert.Len(t, parseValid(t, raw, Limits{MaxFindings: 6}), 6)
	requireFieldError(t, raw, Limits{MaxFindings: 5}, "results.runs[1].results", `"final": false`)
}

func TestSARIFRejections(t *testing.T) {
	t.Parallel()
	run := func(results string) []byte { return sarifLog(sarifRunJSON(`[]`, results)) }
	cases := []struct {
		name   string
		raw    []byte
		field  string
		detail string
	}{
		{"version 2.0.0", []byte(`{"version": "2.0.0", "runs": []}`), "results.version", `"2.0.0" is not supported`},
		{"version number", []byte(`{"version": 2.1, "runs": []}`), "results.version", "number 2.1"},
		{"runs missing", []byte(`{"version": "2.1.0"}`), "results.runs", "missing"},
		{"runs object", []byte(`{"version": "2.1.0", "runs": {}}`), "results.runs", "expected an array"},
		{"run null", []byte(`{"version": "2.1.0", "runs": [null]}`), "results.runs[0]", "null"},
		{"run without tool", []byte(`{"version": "2.1.0", "runs": [{"results": []}]}`), "results.runs[0].tool.driver", "missing"},
		{"rules as map", []byte(`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": {}}}}]}`),
			"results.runs[0].tool.driver.rules", "expected an array"},
		{"results object", run(`{}`), "results.runs[0].results", "expected an array"},
		{"result null", run(`[null]`), "results.runs[0].results[0]", "null"},
		{"level type", run(`[{"ruleId": "R", "message": {"text": "x"}}, {"level": 5}]`), "results.runs[0].results[1].level", "expected a string"},
		{"level value", run(`[{"ruleId": "R", "level": "Warning", "message": {"text": "x"}}]`), "results.runs[0].results[0].level", `"Warning"`},
		{"kind value", run(`[{"ruleId": "R", "kind": "failed", "message": {"text": "x"}}]`), "results.runs[0].results[0].kind", "notApplicable"},
		{"rule index", run(`[{"ruleIndex": -5, "message": {"text": "x"}}]`), "results.runs[0].results[0].ruleIndex", "-5"},
		{"rule index float", run(`[{"ruleIndex": 1.5, "message": {"text": "x"}}]`), "results.runs[0].results[0].ruleIndex", "integer"},
		{"start line string", run(locatedResult(`{"artifactLocation": {"uri": "a"}, "region": {"startLine": "4"}}`)),
			"results.runs[0].results[0].locations.physicalLocation.region.startLine", "expected an integer"},
		{"start line huge", run(locatedResult(`{"artifactLocation": {"uri": "a"}, "region": {"startLine": 3000000000}}`)),
			"results.runs[0].results[0].locations[0].physicalLocation.region.startLine", "2147483647"},
		{"rule id long", run(`[{"ruleId": "` + strings.Repeat("r", 257) + `", "message": {"text": "x"}}]`),
			"results.runs[0].results[0].ruleId", "257"},
		{"fingerprint type", run(`[{"ruleId": "R", "message": {"text": "x"}, "fingerprints": {"a": 1}}]`),
			"results.runs[0].results[0].fingerprints", "expected a string"},
		{"default level", []byte(`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t",
			"rules": [{"id": "R", "defaultConfiguration": {"level": "fatal"}}]}},
			"results": [{"ruleId": "R", "message": {"text": "x"}}]}]}`),
			"results.runs[0].tool.driver.rules[0].defaultConfiguration.level", `"fatal"`},
	}
	for _, test := range cases {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			requireFieldError(t, test.raw, Limits{}, test.field, test.detail)
		})
	}
}

func TestSARIFPathTooLong(t *testing.T) {
	t.Parallel()
	raw := sarifLog(sarifRunJSON(`[]`, locatedResult(`{"artifactLocation": {"uri": "`+
		strings.Repeat("d/", 40)+`a.go"}}`)))
	requireFieldError(t, raw, Limits{MaxPathBytes: 64},
		"results.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri", "maximum is 64")
}

func TestSARIFUnknownPropertiesIgnored(t *testing.T) {
	t.Parallel()
	finding := parseOne(t, []byte(`{"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0", "inlineExternalProperties": [], "properties": {"x": 1},
		"runs": [{"tool": {"driver": {"name": "t", "fullName": "T", "rules": []}},
		"automationDetails": {"id": "ci/—/1"}, "results": [{"ruleId": "R", "rank": 50.5,
		"message": {"text": "x"}, "codeFlows": [{"threadFlows": []}], "baselineState": "new"}]}]}`))
	assert.Equal(t, "R", finding.PatternID)
}

func TestSARIFToolComponentByName(t *testing.T) {
	t.Parallel()
	run := `{"tool": {"driver": {"name": "main", "rules": [{"id": "X",
		"defaultConfiguration": {"level": "note"}}]},
		"extensions": [{"name": "pack", "rules": [{"id": "X", "defaultConfiguration": {"level": "error"}}]}]},
		"invocations": [{"ruleConfigurationOverrides": [
			{"descriptor": {"index": 0, "toolComponent": {"name": "main"}}, "configuration": {"level": "warning"}}]}],
		"results": [
		{"rule": {"id": "X", "toolComponent": {"name": "pack"}}, "message": {"text": "by name"}},
		{"rule": {"id": "X", "toolComponent": {"name": "main"}}, "message": {"text": "driver by name"}},
		{"rule": {"id": "X", "toolComponent": {"name": "absent", "index": 9}}, "message": {"text": "unknown"}},
		{"rule": {"id": "X", "toolComponent": {"index": 0}}, "message": {"text": "override elsewhere"},
		 "provenance": {"invocationIndex": 0}}]}`
	findings := parseValid(t, sarifLog(run), Limits{})
	require.Len(t, findings, 4)
	assert.Equal(t, SeverityError, findings[0].Severity, "extension found by name")
	assert.Equal(t, SeverityNote, findings[1].Severity, "driver named explicitly")
	assert.Equal(t, SeverityNote, findings[2].Severity, "unknown component falls back to the driver")
	assert.Equal(t, SeverityError, findings[3].Severity, "the override targets the driver's rule")
	for _, finding := range findings {
		assert.Equal(t, "X", finding.PatternID, "pattern id from rule.id")
	}
}

func TestSARIFResultWithoutRule(t *testing.T) {
	t.Parallel()
	unnamed := parseOne(t, []byte(`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": ""}},
		"results": [{"message": {"text": "x"}, "suppressions": [null]}]}]}`))
	assert.Equal(t, unknownRuleID, unnamed.PatternID)
	assert.False(t, unnamed.Suppressed, "a null suppression is ignored")
	named := parseOne(t, sarifLog(sarifRunJSON(`[]`, `[{"message": {"text": "x"}}]`)))
	assert.Equal(t, "tool", named.PatternID)
}
