package githubapp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// findingReport is the input of a completed check run's text.
type findingReport struct {
	Run            *scannerRun
	FailOn         string
	Counts         map[string]severityCount
	Unlocated      []unlocatedFinding
	ScannerSummary string
	DetailsURL     string
}

// maxScannerSummary bounds the scanner's own summary quoted in ours.
const maxScannerSummary = 8 << 10

func (r findingReport) totals() (total, blocking, annotated, unlocated int) {
	threshold := severityRank[r.FailOn]
	for severity, c := range r.Counts {
		total += c.Total
		annotated += c.Annotated
		unlocated += c.Active - c.Annotated
		if severityRank[severity] >= threshold {
			blocking += c.Active
		}
	}
	return total, blocking, annotated, unlocated
}

// output returns the conclusion, title and summary. The conclusion is the
// one the scanner API stored with the run's final event; a run without one
// is judged here with the current policy.
func (r findingReport) output() *checkOutput {
	total, blocking, annotated, _ := r.totals()
	conclusion := conclusionSuccess
	if blocking > 0 {
		conclusion = conclusionFailure
	}
	if r.Run.Conclusion != nil && (*r.Run.Conclusion == conclusionSuccess || *r.Run.Conclusion == conclusionFailure) {
		// NOTE: when fail_on changed after the final event, this conclusion
		// and the blocking count in the title may disagree.
		conclusion = *r.Run.Conclusion
	}
	return &checkOutput{
		Conclusion:  conclusion,
		Title:       r.title(total, blocking),
		Summary:     truncateBytes(r.summary(), maxSummaryBytes, "\n\n_The summary was truncated to GitHub's limit._"),
		Annotations: annotated,
	}
}

func (r findingReport) title(total, blocking int) string {
	switch {
	case blocking > 0:
		return plural(blocking, "blocking finding", "blocking findings")
	case total > 0:
		return plural(total, "finding", "findings") + ", none blocking"
	}
	return "No findings"
}

func (r findingReport) summary() string {
	total, blocking, annotated, unlocated := r.totals()
	var b strings.Builder
	switch {
	case total == 0:
		b.WriteString("The scanner reported no findings.\n")
	case blocking > 0:
		fmt.Fprintf(&b, "**%d of %s are at or above `%s`**, the organisation's fail-on severity.\n",
			blocking, plural(total, "finding", "findings"), r.FailOn)
	default:
		fmt.Fprintf(&b, "None of the %s is at or above `%s`, the organisation's fail-on severity.\n",
			plural(total, "finding", "findings"), r.FailOn)
	}
	if total > 0 {
		r.writeTable(&b)
		fmt.Fprintf(&b, "\n%d shown as annotations, %d without a file location.\n", annotated, unlocated)
	}
	r.writeUnlocated(&b, unlocated)
	if s := strings.TrimSpace(r.ScannerSummary); s != "" {
		b.WriteString("\n### Scanner summary\n\n")
		b.WriteString(truncateBytes(s, maxScannerSummary, "…"))
		b.WriteString("\n")
	}
	r.writeFooter(&b)
	return b.String()
}

func (r findingReport) writeTable(b *strings.Builder) {
	b.WriteString("\n| Severity | Findings | Annotated | Without location | Suppressed or not a failure |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: |\n")
	for _, severity := range severities {
		c := r.Counts[severity]
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d |\n",
			severity, c.Total, c.Annotated, c.Active-c.Annotated, c.Total-c.Active)
	}
	b.WriteString("\nSuppressed findings and results whose kind is not `fail` never block and are not annotated.\n")
}

func (r findingReport) writeUnlocated(b *strings.Builder, unlocated int) {
	if len(r.Unlocated) == 0 {
		return
	}
	b.WriteString("\n### Findings without a file location\n\n")
	for _, f := range r.Unlocated {
		message := strings.Join(strings.Fields(f.Message), " ")
		fmt.Fprintf(b, "- **%s** `%s`: %s\n", f.Severity, truncateBytes(f.PatternID, 100, "…"),
			truncateBytes(message, 300, "…"))
	}
	if more := unlocated - len(r.Unlocated); more > 0 {
		fmt.Fprintf(b, "- %d more not listed\n", more)
	}
}

func (r findingReport) writeFooter(b *strings.Builder) {
	b.WriteString("\n---\n")
	if r.Run.ScannerName != nil {
		fmt.Fprintf(b, "Scanner `%s`", *r.Run.ScannerName)
		if r.Run.ScannerVersion != nil {
			fmt.Fprintf(b, " `%s`", *r.Run.ScannerVersion)
		}
		b.WriteString(" · ")
	}
	fmt.Fprintf(b, "run `%s`", r.Run.ID)
	if r.DetailsURL != "" {
		fmt.Fprintf(b, " · [details](%s)", r.DetailsURL)
	}
	b.WriteString("\n")
}

func plural(n int, singular, pluralForm string) string {
	if n == 1 {
		return "1 " + singular
	}
	return fmt.Sprintf("%d %s", n, pluralForm)
}

// truncateBytes cuts s to at most limit bytes, on a rune boundary, ending
// with suffix when it had to cut. Byte length bounds GitHub's character
// limits from above.
func truncateBytes(s string, limit int, suffix string) string {
	if len(s) <= limit {
		return s
	}
	cut := limit - len(suffix)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + suffix
}
