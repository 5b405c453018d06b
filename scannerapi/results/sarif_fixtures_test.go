package results

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureCounts are the expected totals for one valid recorded SARIF log.
// They come from the fixture notes and from reading each file by hand (with
// jq), not from running Parse.
type fixtureCounts struct {
	findings          int
	errors            int
	warnings          int
	notes             int
	suppressed        int
	notFail           int // kind other than "fail"
	withoutPath       int
	onLineOne         int // has a path, StartLine == EndLine == 1
	blockingAtError   int
	blockingAtWarning int
	annotatable       int
	tools             int // distinct named drivers
}

// fixtureRejection is the expected FieldError for an invalid recorded log.
type fixtureRejection struct {
	field    string
	contains []string
}

type fixtureExpectation struct {
	counts    *fixtureCounts
	rejection *fixtureRejection
}

var fixtureExpectations = map[string]fixtureExpectation{
	"binskim-v2.0.0-bom-trailing-comma-INVALID.sarif.json": {rejection: &fixtureRejection{
		field: "results", contains: []string{"invalid JSON", "offset"}}},
	"qodana-no-version-no-tool-INVALID.sarif.json": {rejection: &fixtureRejection{
		field: "results.version", contains: []string{"missing", `"2.1.0"`}}},
	"roslyn-csc-sarif-v1.0.0-OLDVERSION.sarif.json": {rejection: &fixtureRejection{
		field: "results.version", contains: []string{`"1.0.0"`, "only version 2.1.0"}}},
	"sarifsdk-not-a-sarif-log-INVALID.sarif.json": {rejection: &fixtureRejection{
		field: "results", contains: []string{`"findings"`, `"version"`, `"runs"`}}},

	// Counts left out below are 0.
	"checkov-terraform-127-results.sarif.json": {counts: &fixtureCounts{
		findings: 127, errors: 127, blockingAtError: 127, blockingAtWarning: 127,
		annotatable: 127, tools: 1}},
	"codeql-artifact-index-only-no-fingerprints.sarif.json": {counts: &fixtureCounts{
		findings: 2, warnings: 2, onLineOne: 1, blockingAtWarning: 2, annotatable: 2, tools: 1}},
	"codeql-five-runs-empty-and-null-tool-names.sarif.json": {counts: &fixtureCounts{
		tools: 2}},
	"codeql-invalid-uri.sarif.json": {counts: &fixtureCounts{
		findings: 1, warnings: 1, blockingAtWarning: 1, annotatable: 1, tools: 1}},
	"codeql-lgtm-two-runs.sarif.json": {counts: &fixtureCounts{
		findings: 3, notes: 3, annotatable: 3, tools: 2}},
	"contrast-webgoat-locations-without-regions.sarif.json": {counts: &fixtureCounts{
		findings: 30, errors: 11, warnings: 12, notes: 7, withoutPath: 2, onLineOne: 17,
		blockingAtError: 11, blockingAtWarning: 23, annotatable: 28, tools: 1}},
	"cppcheck-188-results-no-level.sarif.json": {counts: &fixtureCounts{
		findings: 188, warnings: 188, onLineOne: 4, blockingAtWarning: 188, annotatable: 188,
		tools: 1}},
	"fortify-fpr-ruleindex-only.sarif.json": {counts: &fixtureCounts{
		findings: 3, warnings: 3, blockingAtWarning: 3, annotatable: 3, tools: 1}},
	"fxcop-927-results-suppressions.sarif.json": {counts: &fixtureCounts{
		findings: 927, errors: 237, warnings: 690, suppressed: 42, withoutPath: 37,
		onLineOne: 323, blockingAtError: 237, blockingAtWarning: 885, annotatable: 848,
		tools: 1}},
	"fxcop-exceptions-very-long-messages.sarif.json": {counts: &fixtureCounts{
		findings: 2, warnings: 2, withoutPath: 2, blockingAtWarning: 2, tools: 1}},
	"gitleaks-secret-nonstandard-fingerprints.sarif.json": {counts: &fixtureCounts{
		findings: 1, warnings: 1, blockingAtWarning: 1, annotatable: 1, tools: 1}},
	"gosec-empty-cwe-taxonomy-tabs.sarif.json": {counts: &fixtureCounts{tools: 1}},
	"mobsfscan-location-id-biginteger.sarif.json": {counts: &fixtureCounts{
		findings: 1, notes: 1, withoutPath: 1, tools: 1}},
	"msbuild-result-without-location.sarif.json": {counts: &fixtureCounts{
		findings: 7, errors: 4, warnings: 2, notes: 1, withoutPath: 1, blockingAtError: 4,
		blockingAtWarning: 6, annotatable: 6, tools: 1}},
	"nessus-two-runs.sarif.json": {counts: &fixtureCounts{
		findings: 2, errors: 1, notes: 1, onLineOne: 2, blockingAtError: 1,
		blockingAtWarning: 1, annotatable: 2, tools: 1}},
	"patternmatcher-utf8-bom.sarif.json": {counts: &fixtureCounts{
		findings: 5, warnings: 5, onLineOne: 5, blockingAtWarning: 5, annotatable: 5, tools: 1}},
	"plugin-verifier-empty-locations.sarif.json": {counts: &fixtureCounts{
		findings: 36, errors: 35, warnings: 1, withoutPath: 36, blockingAtError: 35,
		blockingAtWarning: 36, tools: 1}},
	"pmd-execution-failed-notification.sarif.json": {counts: &fixtureCounts{tools: 1}},
	"qodana-baseline-states.sarif.json": {counts: &fixtureCounts{
		findings: 4, warnings: 4, blockingAtWarning: 4, annotatable: 4, tools: 1}},
	"sarifsdk-level-defaults-kind-informational.sarif.json": {counts: &fixtureCounts{
		findings: 5, errors: 1, warnings: 1, notes: 3, notFail: 1, withoutPath: 5,
		blockingAtError: 1, blockingAtWarning: 2, tools: 1}},
	"sdv-kind-pass-level-none-codeflow.sarif.json": {counts: &fixtureCounts{
		findings: 1, notes: 1, notFail: 1, tools: 1}},
	"semgrep-execution-error-no-results.sarif.json": {counts: &fixtureCounts{tools: 1}},
	"semgrep-level-missing-masked-version.sarif.json": {counts: &fixtureCounts{
		findings: 1, errors: 1, blockingAtError: 1, blockingAtWarning: 1, annotatable: 1,
		tools: 1}},
	"semgrep-nosemgrep-suppressed.sarif.json": {counts: &fixtureCounts{
		findings: 2, errors: 2, suppressed: 1, onLineOne: 1, blockingAtError: 1,
		blockingAtWarning: 1, annotatable: 1, tools: 1}},
	"semmleql-80-results-uribaseid.sarif.json": {counts: &fixtureCounts{
		findings: 80, errors: 2, warnings: 27, notes: 51, onLineOne: 4, blockingAtError: 2,
		blockingAtWarning: 29, annotatable: 80, tools: 1}},
	"trivy-alpine-undefined-uribaseid.sarif.json": {counts: &fixtureCounts{
		findings: 8, warnings: 6, notes: 2, onLineOne: 8, blockingAtWarning: 6,
		annotatable: 8, tools: 1}},
}

func TestParseEveryFixture(t *testing.T) {
	t.Parallel()
	for _, name := range fixtureFiles(t) {
		expectation, ok := fixtureExpectations[name]
		require.True(t, ok, "fixture %s has no row in fixtureExpectations; add one", name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			parsed, err := Parse(readFixture(t, name), Limits{})
			if expectation.rejection != nil {
				assertRejection(t, err, *expectation.rejection)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, *expectation.counts, countFindings(parsed))
			assertFindingInvariants(t, parsed.Findings, DefaultLimits())
		})
	}
}

func assertRejection(t *testing.T, err error, want fixtureRejection) {
	t.Helper()
	var fieldErr *FieldError
	require.True(t, errors.As(err, &fieldErr), "error %v is not a *FieldError", err)
	assert.Equal(t, want.field, fieldErr.Field)
	for _, part := range want.contains {
		assert.Contains(t, fieldErr.Detail, part)
	}
}

func countFindings(parsed *Results) fixtureCounts {
	counts := fixtureCounts{findings: len(parsed.Findings), tools: len(parsed.Tools)}
	for _, finding := range parsed.Findings {
		switch finding.Severity {
		case SeverityError:
			counts.errors++
		case SeverityWarning:
			counts.warnings++
		case SeverityNote:
			counts.notes++
		}
		counts.suppressed += boolCount(finding.Suppressed)
		counts.notFail += boolCount(finding.Kind != KindFail)
		counts.withoutPath += boolCount(finding.Path == "")
		counts.onLineOne += boolCount(finding.Path != "" && finding.StartLine == 1 && finding.EndLine == 1)
		counts.blockingAtError += boolCount(finding.Blocking(SeverityError))
		counts.blockingAtWarning += boolCount(finding.Blocking(SeverityWarning))
		counts.annotatable += boolCount(finding.Annotatable())
	}
	return counts
}

func boolCount(value bool) int {
	if value {
		return 1
	}
	return 0
}
