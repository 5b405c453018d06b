package learning

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAnonymiseDropsIdentifyingPatterns(t *testing.T) {
	t.Parallel()
	ids := newIdentifiers([]string{"services/billing/Invoice.java", "Dockerfile"}, []string{"acme-corp", "billing-api", "ui"})
	cases := []struct {
		pattern string
		kept    bool
	}{
		{"java/sql-injection", true},
		{"dockerfile/latest-tag", true},
		{"docker:root-user", true},
		{"Dockerfile", false},
		{"services/billing/invoice.java", false},
		{"check-services/billing/Invoice.java-x", false},
		{"acme-corp-internal", false},
		{"ACME/custom", false},
		{"billing-rule", false},
		{"ui/unsafe-html", true},
		{"rule with spaces", false},
		{"", false},
		{"-leading-dash", false},
	}
	for _, c := range cases {
		insights, dropped := anonymise([]findingGroup{{patternID: c.pattern, severity: "error", findings: 1}},
			scannerInfo{}, ids)
		if c.kept {
			require.Len(t, insights, 1, "pattern %q", c.pattern)
			require.Equal(t, 0, dropped, "pattern %q", c.pattern)
		} else {
			require.Empty(t, insights, "pattern %q", c.pattern)
			require.Equal(t, 1, dropped, "pattern %q", c.pattern)
		}
	}
}

func TestAnonymiseCleansLanguageAndScanner(t *testing.T) {
	t.Parallel()
	ids := newIdentifiers(nil, []string{"acme-corp"})
	groups := []findingGroup{
		{patternID: "p", severity: "error", language: "Go", findings: 1},
		{patternID: "p", severity: "error", language: "go", findings: 2, suppressed: 1},
		{patternID: "p", severity: "error", language: "Visual Basic", findings: 1},
		{patternID: "p", severity: "error", language: "acme-corp-lang", findings: 1},
		{patternID: "p", severity: "warning", language: "", findings: 1},
	}
	insights, dropped := anonymise(groups, scannerInfo{name: "acme-corp-scanner", version: "1.0 beta"}, ids)
	require.Equal(t, 0, dropped)
	require.Equal(t, []insight{
		{patternID: "p", severity: "error", language: "go", findings: 3, suppressed: 1,
			scanner: scannerInfo{name: other, version: other}},
		{patternID: "p", severity: "error", language: other, findings: 2,
			scanner: scannerInfo{name: other, version: other}},
		{patternID: "p", severity: "warning", language: "", findings: 1,
			scanner: scannerInfo{name: other, version: other}},
	}, insights)
}

func TestCleanValueKeepsPlainScanner(t *testing.T) {
	t.Parallel()
	ids := newIdentifiers(nil, []string{"acme-corp"})
	require.Equal(t, "semgrep", cleanValue("semgrep", scannerShape, ids))
	require.Equal(t, "1.2.3-beta.1+build5", cleanValue("1.2.3-beta.1+build5", versionShape, ids))
	require.Equal(t, "", cleanValue("", versionShape, ids))
}
