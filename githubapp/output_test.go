package githubapp

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnnotationFromFinding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		start, end *int
		severity   string
		want       github.CheckRunAnnotation
	}{
		{"lines", ptr(4), ptr(9), "error", github.CheckRunAnnotation{StartLine: ptr(4), EndLine: ptr(9), AnnotationLevel: ptr("failure")}},
		{"no line is file level", nil, nil, "warning", github.CheckRunAnnotation{StartLine: ptr(1), EndLine: ptr(1), AnnotationLevel: ptr("warning")}},
		{"end before start", ptr(7), ptr(2), "note", github.CheckRunAnnotation{StartLine: ptr(7), EndLine: ptr(7), AnnotationLevel: ptr("notice")}},
		{"zero start", ptr(0), ptr(3), "note", github.CheckRunAnnotation{StartLine: ptr(1), EndLine: ptr(3), AnnotationLevel: ptr("notice")}},
	}
	for _, c := range cases {
		got := annotation("./src/a.go", c.start, c.end, c.severity, "msg", "rule")
		assert.Equal(t, "src/a.go", got.GetPath(), c.name)
		assert.Equal(t, c.want.GetStartLine(), got.GetStartLine(), c.name)
		assert.Equal(t, c.want.GetEndLine(), got.GetEndLine(), c.name)
		assert.Equal(t, c.want.GetAnnotationLevel(), got.GetAnnotationLevel(), c.name)
	}
	empty := annotation("a.go", nil, nil, "error", "  ", strings.Repeat("r", 300))
	assert.Equal(t, strings.Repeat("r", 300)[:maxAnnotationTitle-len("…")]+"…", empty.GetTitle())
	assert.Equal(t, strings.Repeat("r", 300), empty.GetMessage(), "an empty message falls back to the pattern id")
	long := annotation("a.go", nil, nil, "error", strings.Repeat("é", maxAnnotationMessage), "rule")
	assert.LessOrEqual(t, len(long.GetMessage()), maxAnnotationMessage)
	assert.True(t, utf8.ValidString(long.GetMessage()))
}

func TestSummaryFitsGitHubLimit(t *testing.T) {
	t.Parallel()
	unlocated := make([]unlocatedFinding, maxUnlocatedListed)
	for i := range unlocated {
		unlocated[i] = unlocatedFinding{Severity: "error", PatternID: "p", Message: strings.Repeat("ü", 5000)}
	}
	report := findingReport{
		Run:    &scannerRun{ID: uuid.New(), ScannerName: ptr("s"), ScannerVersion: ptr("1")},
		FailOn: "warning",
		Counts: map[string]severityCount{
			"error":   {Total: 100000, Active: 90000, Annotated: 10},
			"warning": {Total: 5, Active: 5, Annotated: 5},
		},
		Unlocated:      unlocated,
		ScannerSummary: strings.Repeat("🙂 big summary ", 20000),
	}
	out := report.output()
	assert.LessOrEqual(t, len(out.Summary), maxSummaryBytes)
	assert.True(t, utf8.ValidString(out.Summary))
	assert.Equal(t, conclusionFailure, out.Conclusion)
	assert.Equal(t, "90005 blocking findings", out.Title)
	assert.Equal(t, 15, out.Annotations)
	assert.True(t, strings.Contains(out.Summary, "- 89965 more not listed\n"), "unlisted findings counted")
	assert.True(t, strings.HasSuffix(out.Summary, "`\n"), "the footer survives; the parts were cut instead")

	// Scanner names are not bounded; the whole summary is cut as a last resort.
	report.Run.ScannerName = ptr(strings.Repeat("n", 70000))
	out = report.output()
	assert.LessOrEqual(t, len(out.Summary), maxSummaryBytes)
	assert.True(t, strings.HasSuffix(out.Summary, "_The summary was truncated to GitHub's limit._"))
}

func TestOutputConclusion(t *testing.T) {
	t.Parallel()
	warnings := map[string]severityCount{"warning": {Total: 2, Active: 2, Annotated: 2}}
	cases := []struct {
		name, failOn string
		stored       *string
		counts       map[string]severityCount
		conclusion   string
		title        string
	}{
		{"below threshold", "error", nil, warnings, conclusionSuccess, "2 findings, none blocking"},
		{"at threshold", "warning", nil, warnings, conclusionFailure, "2 blocking findings"},
		{"stored wins", "warning", ptr(conclusionSuccess), warnings, conclusionSuccess, "2 blocking findings"},
		{"no findings", "note", nil, nil, conclusionSuccess, "No findings"},
		{"suppressed never block", "note", nil, map[string]severityCount{"error": {Total: 3}}, conclusionSuccess, "3 findings, none blocking"},
	}
	for _, c := range cases {
		out := findingReport{Run: &scannerRun{ID: uuid.New(), Conclusion: c.stored}, FailOn: c.failOn, Counts: c.counts}.output()
		assert.Equal(t, c.conclusion, out.Conclusion, c.name)
		assert.Equal(t, c.title, out.Title, c.name)
	}
}

func TestTruncateBytes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short", truncateBytes("short", 10, "…"))
	cut := truncateBytes("ééééé", 6, ".")
	require.True(t, utf8.ValidString(cut))
	assert.Equal(t, "éé.", cut)
}

func TestPublishMode(t *testing.T) {
	t.Parallel()
	assert.Equal(t, modeCheckRun, publishMode(map[string]string{"checks": "write", "statuses": "write"}))
	assert.Equal(t, modeCommitStatus, publishMode(map[string]string{"checks": "read", "statuses": "write"}))
	assert.Equal(t, "", publishMode(map[string]string{"metadata": "read"}))
}
