package results

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sha256Hex is the reference digest that fingerprint tests compare with.
func sha256Hex(input string) string {
	sum := sha256.Sum256([]byte(input))
	return hex.EncodeToString(sum[:])
}

func TestFixtureLevelDefaultsOracle(t *testing.T) {
	t.Parallel()
	parsed := parseFixture(t, "sarifsdk-level-defaults-kind-informational.sarif.json")
	require.Len(t, parsed.Findings, 5)
	// Each message states the level that SARIF's defaulting rules give.
	stated := regexp.MustCompile(`Level (?:should be|is) '(\w+)'`)
	for _, finding := range parsed.Findings {
		match := stated.FindStringSubmatch(finding.Message)
		require.NotNil(t, match, "message %q states no level", finding.Message)
		assert.Equal(t, levelSeverity(match[1]), finding.Severity, finding.Message)
		assert.True(t, strings.HasPrefix(finding.PatternID, "NoDefaultConfigurationLevel/"),
			"hierarchical rule id %q is kept whole", finding.PatternID)
	}
	informational := parsed.Findings[1]
	assert.Equal(t, "informational", informational.Kind)
	assert.False(t, informational.Blocking(SeverityNote))
	assert.Equal(t, KindFail, parsed.Findings[3].Kind)
	assert.Equal(t, SeverityWarning, parsed.Findings[3].Severity)
}

func TestFixtureKindPassNeverBlocks(t *testing.T) {
	t.Parallel()
	finding := parseFixture(t, "sdv-kind-pass-level-none-codeflow.sarif.json").Findings[0]
	assert.Equal(t, "pass", finding.Kind)
	assert.Equal(t, SeverityNote, finding.Severity)
	assert.False(t, finding.Blocking(SeverityNote))
	assert.False(t, finding.Annotatable())
	assert.Equal(t, "../../../rules/WDM/CheckAddDevice.slic", finding.Path)
	assert.Equal(t, 35, finding.StartLine)
	// The result names no rule, so the driver's name is used.
	assert.Equal(t, "StaticDriverVerifier", finding.PatternID)
}

func TestFixtureSemgrepRuleDefaultLevel(t *testing.T) {
	t.Parallel()
	finding := parseFixture(t, "semgrep-level-missing-masked-version.sarif.json").Findings[0]
	assert.Equal(t, SeverityError, finding.Severity)
	assert.Equal(t, "rules.eqeq-is-bad", finding.PatternID)
	assert.Equal(t, "requires login", finding.Fingerprint)
	assert.Equal(t, "targets/basic/stupid.py", finding.Path)
	assert.Equal(t, 3, finding.StartLine)
	assert.Equal(t, 3, finding.EndLine)
	assert.Equal(t, "python", finding.Language)
}

func TestFixtureSemgrepNosemgrepSuppressed(t *testing.T) {
	t.Parallel()
	findings := parseFixture(t, "semgrep-nosemgrep-suppressed.sarif.json").Findings
	require.Len(t, findings, 2)
	assert.True(t, findings[0].Suppressed)
	assert.False(t, findings[0].Blocking(SeverityNote))
	assert.False(t, findings[0].Annotatable())
	assert.False(t, findings[1].Suppressed)
	assert.True(t, findings[1].Blocking(SeverityError))
	assert.True(t, findings[1].Annotatable())
}

func TestFixtureFxCopSuppressedNeverBlock(t *testing.T) {
	t.Parallel()
	for _, finding := range parseFixture(t, "fxcop-927-results-suppressions.sarif.json").Findings {
		if finding.Suppressed {
			assert.False(t, finding.Blocking(SeverityNote), finding.Message)
			assert.False(t, finding.Annotatable(), finding.Message)
		}
	}
}

func TestFixtureGitleaksPartialFingerprints(t *testing.T) {
	t.Parallel()
	finding := parseFixture(t, "gitleaks-secret-nonstandard-fingerprints.sarif.json").Findings[0]
	want := sha256Hex("author\x00John Doe\x00commitMessage\x00opps\x00" +
		"commitSha\x000000000000000000\x00date\x0010-19-2003\x00email\x00johndoe@gmail.com\x00")
	assert.Equal(t, want, finding.Fingerprint)
	assert.Equal(t, "test-rule", finding.PatternID)
	assert.Equal(t, SeverityWarning, finding.Severity)
}

func TestFixtureCodeQLTwoPartialFingerprints(t *testing.T) {
	t.Parallel()
	findings := parseFixture(t, "codeql-lgtm-two-runs.sarif.json").Findings
	require.Len(t, findings, 3)
	want := sha256Hex("primaryLocationLineHash\x005061c3315a741b7d:1\x00" +
		"primaryLocationStartColumnFingerprint\x007\x00")
	assert.Equal(t, want, findings[2].Fingerprint)
	assert.Equal(t, "js/inconsistent-use-of-new", findings[2].PatternID)
	assert.Equal(t, "src/promiseUtils.js", findings[2].Path)
}

func TestFixtureQodanaSinglePartialFingerprint(t *testing.T) {
	t.Parallel()
	finding := parseFixture(t, "qodana-baseline-states.sarif.json").Findings[0]
	assert.Equal(t, "c4406ef27470a515f616155fe7ffa92c3e6b7a3833a49323cb4fefd81d3d01ef",
		finding.Fingerprint)
	assert.Equal(t, "java", finding.Language)
}

func TestFixtureArtifactIndexOnly(t *testing.T) {
	t.Parallel()
	findings := parseFixture(t, "codeql-artifact-index-only-no-fingerprints.sarif.json").Findings
	require.Len(t, findings, 2)
	first, second := findings[0], findings[1]
	assert.Equal(t, "testFile1.js", first.Path)
	assert.Equal(t, "testFile2.js", second.Path, "path comes from run.artifacts[1]")
	assert.Equal(t, 2, second.StartLine)
	assert.Equal(t, 2, second.EndLine)
	// rules is empty, so ruleIndex 0 dangles and ruleId names the pattern.
	assert.Equal(t, "js/unused-local-variable", second.PatternID)
	assert.Equal(t, sha256Hex("js/unused-local-variable\x00testFile2.js\x00Unused variable bar.\x00"),
		second.Fingerprint)
}

func TestFixtureFortifyRuleIndexOnly(t *testing.T) {
	t.Parallel()
	findings := parseFixture(t, "fortify-fpr-ruleindex-only.sarif.json").Findings
	require.Len(t, findings, 3)
	assert.Equal(t, "D0ACE9F8-3C8F-42D4-BDB1-2FC9ECB0CDFB", findings[0].PatternID)
	assert.Equal(t, "AC21F232-1D82-49B7-9AB1-46FE84CD6424", findings[1].PatternID)
	assert.Equal(t, "6ED95DD1-4F81-44C6-A260-695DFD41B803", findings[2].PatternID)
	assert.Equal(t, "src/DocumentValidator.cs", findings[1].Path)
	assert.Equal(t, 12, findings[1].StartLine)
	assert.Equal(t, 18, findings[1].EndLine)
}

func TestFixtureContrastMessageStrings(t *testing.T) {
	t.Parallel()
	findings := parseFixture(t, "contrast-webgoat-locations-without-regions.sarif.json").Findings
	first := findings[0]
	assert.Equal(t, "SQL injection from untrusted source(s) 'other, ctl00$BodyContentPlaceholder"+
		"$txtEmail: parameter' observed on '/webgoat/Content/ForgotPassword.aspx' page. "+
		"Untrusted data flowed from 'System.Web.HttpRequest.get_Form()' to dangerous sink "+
		"'System.Data.Common.DbCommand.set_CommandText(System.String)' from a call site in "+
		"'System.String.Concat(System.String,System.String,System.String)'.", first.Message)
	// SITE_ROOT has no uri, so the root-relative URI becomes repository-relative.
	assert.Equal(t, "webgoat/Content/ForgotPassword.aspx", first.Path)
	assert.Equal(t, 1, first.StartLine, "a location without a region is file-level")
	assert.Equal(t, 1, first.EndLine)
	for _, finding := range findings {
		assert.NotContains(t, finding.Message, "{0}", "placeholders are replaced")
	}
}

func TestFixtureLongMessagesTruncated(t *testing.T) {
	t.Parallel()
	findings := parseFixture(t, "fxcop-exceptions-very-long-messages.sarif.json").Findings
	require.Len(t, findings, 2)
	// The first stack trace is 4,754 bytes, the second 2,329.
	assert.True(t, strings.HasSuffix(findings[0].Message, truncationMarker))
	// The cut backs off at most three bytes to a UTF-8 boundary.
	assert.LessOrEqual(t, len(findings[0].Message), DefaultMaxMessageBytes)
	assert.Greater(t, len(findings[0].Message), DefaultMaxMessageBytes-utf8.UTFMax)
	assert.False(t, strings.HasSuffix(findings[1].Message, truncationMarker))
	assert.Len(t, findings[1].Message, 2329)

	parsed, err := Parse(readFixture(t, "fxcop-exceptions-very-long-messages.sarif.json"),
		Limits{MaxMessageBytes: 1000})
	require.NoError(t, err)
	for _, finding := range parsed.Findings {
		assert.True(t, strings.HasSuffix(finding.Message, truncationMarker))
		assert.LessOrEqual(t, len(finding.Message), 1000)
	}
}

func TestFixtureBOMAndFileURIs(t *testing.T) {
	t.Parallel()
	raw := readFixture(t, "patternmatcher-utf8-bom.sarif.json")
	require.Equal(t, utf8BOM, raw[:3], "the fixture starts with a byte-order mark")
	finding := parseFixture(t, "patternmatcher-utf8-bom.sarif.json").Findings[0]
	assert.Equal(t, "C:/Code/elfie-arriba/XForm/XForm.Web/node_modules/node-gyp/test/fixtures/server.key",
		finding.Path)
	assert.Equal(t, "CSCAN0050/0", finding.PatternID)
}

func TestFixtureOddURIsKept(t *testing.T) {
	t.Parallel()
	invalid := parseFixture(t, "codeql-invalid-uri.sarif.json").Findings[0]
	assert.Equal(t, "not a valid URI", invalid.Path)
	nessus := parseFixture(t, "nessus-two-runs.sarif.json").Findings
	assert.Equal(t, "host://10.0.0.1", nessus[0].Path)
	assert.Equal(t, "1e6bb36ff29ed6c40f06c82791515391820f7b546e700886adbd88b2c897279c",
		nessus[0].Fingerprint)
	trivy := parseFixture(t, "trivy-alpine-undefined-uribaseid.sarif.json").Findings[0]
	assert.Equal(t, "testdata/fixtures/images/alpine-310.tar.gz", trivy.Path)
	for _, finding := range parseFixture(t, "checkov-terraform-127-results.sarif.json").Findings {
		assert.False(t, strings.HasPrefix(finding.Path, "/"), finding.Path)
		assert.Equal(t, "terraform", finding.Language)
	}
}

func TestFixtureMSBuildResultWithoutLocation(t *testing.T) {
	t.Parallel()
	var withoutPath []Finding
	for _, finding := range parseFixture(t, "msbuild-result-without-location.sarif.json").Findings {
		if finding.Path == "" {
			withoutPath = append(withoutPath, finding)
		}
	}
	require.Len(t, withoutPath, 1)
	assert.Zero(t, withoutPath[0].StartLine)
	assert.False(t, withoutPath[0].Annotatable())
}

func TestFixtureToolsNamed(t *testing.T) {
	t.Parallel()
	tools := parseFixture(t, "codeql-five-runs-empty-and-null-tool-names.sarif.json").Tools
	assert.Equal(t, []Tool{{Name: "CodeQL command-line toolchain"}, {Name: "ESLint"}}, tools)
	lgtm := parseFixture(t, "codeql-lgtm-two-runs.sarif.json").Tools
	assert.Equal(t, []Tool{{Name: "LGTM.com", Version: "1.24.0-SNAPSHOT"},
		{Name: "CodeQL command-line toolchain", Version: "2.0.0"}}, lgtm)
}
