package githubapp

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/store"
)

// GitHub's limits on check run output, from the REST API documentation of
// "Create a check run": output.summary has at most 65535 characters, a
// request at most 50 annotations, an annotation message at most 64 KB and
// an annotation title at most 255 characters.
const (
	maxSummaryBytes      = 65535
	maxAnnotationsPerReq = 50
	maxAnnotationMessage = 64 << 10
	maxAnnotationTitle   = 255
)

// Check run conclusions that CentralCloud sets.
const (
	conclusionSuccess  = "success"
	conclusionFailure  = "failure"
	conclusionTimedOut = "timed_out"
)

// severityRank orders severities for the fail_on threshold.
var severityRank = map[string]int{"note": 1, "warning": 2, "error": 3}

// annotationLevel maps a finding's severity to a check annotation level.
var annotationLevel = map[string]string{"error": "failure", "warning": "warning", "note": "notice"}

// severities lists severities from the most to the least severe.
var severities = []string{"error", "warning", "note"}

// activeFinding selects findings that may block and are annotated: those
// of kind fail that are not suppressed.
const activeFinding = `kind = 'fail' AND NOT suppressed`

// locatedFinding selects active findings with a file to annotate.
const locatedFinding = activeFinding + ` AND path IS NOT NULL AND path <> ''`

// severityCount is the number of findings of one severity.
type severityCount struct {
	Total     int
	Active    int
	Annotated int
}

// checkOutput is the conclusion and text of a completed check run.
type checkOutput struct {
	Conclusion  string
	Title       string
	Summary     string
	Annotations int
}

// buildOutput computes a run's conclusion, title and summary from its
// stored findings and its org's fail_on policy.
func (h *ChecksHandler) buildOutput(ctx context.Context, db database.DBTX, run *scannerRun) (*checkOutput, error) {
	policy, err := store.EffectivePolicy(ctx, db, run.OrgID, store.Policy{FailOn: h.defaultFailOn})
	if err != nil {
		return nil, err
	}
	counts, err := countFindings(ctx, db, run.ID)
	if err != nil {
		return nil, err
	}
	unlocated, err := unlocatedFindings(ctx, db, run.ID)
	if err != nil {
		return nil, err
	}
	var scannerSummary string
	if err := db.QueryRow(ctx, `SELECT coalesce(max(summary), '') FROM scanner_events
		WHERE run_id = $1 AND final`, run.ID).Scan(&scannerSummary); err != nil {
		return nil, fmt.Errorf("read summary of run %s: %w", run.ID, err)
	}
	report := findingReport{
		Run:            run,
		FailOn:         policy.FailOn,
		Counts:         counts,
		Unlocated:      unlocated,
		ScannerSummary: scannerSummary,
		DetailsURL:     h.detailsURL(run.ID),
	}
	return report.output(), nil
}

func countFindings(ctx context.Context, db database.DBTX, runID uuid.UUID) (map[string]severityCount, error) {
	rows, err := db.Query(ctx, `SELECT severity, count(*),
		  count(*) FILTER (WHERE `+activeFinding+`),
		  count(*) FILTER (WHERE `+locatedFinding+`)
		FROM findings WHERE run_id = $1 GROUP BY severity`, runID)
	if err != nil {
		return nil, fmt.Errorf("count findings of run %s: %w", runID, err)
	}
	defer rows.Close()
	counts := map[string]severityCount{}
	for rows.Next() {
		var severity string
		var c severityCount
		if err := rows.Scan(&severity, &c.Total, &c.Active, &c.Annotated); err != nil {
			return nil, fmt.Errorf("count findings of run %s: %w", runID, err)
		}
		counts[severity] = c
	}
	return counts, rows.Err()
}

// unlocatedFinding is an active finding without a file, listed in the
// summary because it cannot become an annotation.
type unlocatedFinding struct {
	Severity  string
	PatternID string
	Message   string
}

// maxUnlocatedListed bounds the findings without location that the
// summary lists one by one; the rest are counted.
const maxUnlocatedListed = 25

func unlocatedFindings(ctx context.Context, db database.DBTX, runID uuid.UUID) ([]unlocatedFinding, error) {
	rows, err := db.Query(ctx, `SELECT severity, pattern_id, message FROM findings
		WHERE run_id = $1 AND `+activeFinding+` AND (path IS NULL OR path = '')
		ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, id
		LIMIT $2`, runID, maxUnlocatedListed)
	if err != nil {
		return nil, fmt.Errorf("list findings without location of run %s: %w", runID, err)
	}
	defer rows.Close()
	var list []unlocatedFinding
	for rows.Next() {
		var f unlocatedFinding
		if err := rows.Scan(&f.Severity, &f.PatternID, &f.Message); err != nil {
			return nil, fmt.Errorf("list findings without location of run %s: %w", runID, err)
		}
		list = append(list, f)
	}
	return list, rows.Err()
}

// loadAnnotations returns one batch of a run's annotations, in the stable
// order of finding ids, so that batch k is the same on every attempt.
func loadAnnotations(ctx context.Context, db database.DBTX, runID uuid.UUID, batch int) ([]*github.CheckRunAnnotation, error) {
	rows, err := db.Query(ctx, `SELECT path, start_line, end_line, severity, message, pattern_id
		FROM findings WHERE run_id = $1 AND `+locatedFinding+`
		ORDER BY id LIMIT $2 OFFSET $3`, runID, maxAnnotationsPerReq, batch*maxAnnotationsPerReq)
	if err != nil {
		return nil, fmt.Errorf("load annotations of run %s: %w", runID, err)
	}
	defer rows.Close()
	var annotations []*github.CheckRunAnnotation
	for rows.Next() {
		var path, severity, message, patternID string
		var start, end *int
		if err := rows.Scan(&path, &start, &end, &severity, &message, &patternID); err != nil {
			return nil, fmt.Errorf("load annotations of run %s: %w", runID, err)
		}
		annotations = append(annotations, annotation(path, start, end, severity, message, patternID))
	}
	return annotations, rows.Err()
}

// annotation builds one annotation. A finding without a start line marks
// the whole file, which GitHub shows on line 1.
func annotation(path string, start, end *int, severity, message, patternID string) *github.CheckRunAnnotation {
	startLine := 1
	if start != nil && *start > 0 {
		startLine = *start
	}
	endLine := startLine
	if end != nil && *end > startLine {
		endLine = *end
	}
	if strings.TrimSpace(message) == "" {
		message = patternID
	}
	level, ok := annotationLevel[severity]
	if !ok {
		level = "warning"
	}
	return &github.CheckRunAnnotation{
		Path:            github.String(strings.TrimPrefix(path, "./")),
		StartLine:       github.Int(startLine),
		EndLine:         github.Int(endLine),
		AnnotationLevel: github.String(level),
		Message:         github.String(truncateBytes(message, maxAnnotationMessage, "…")),
		Title:           github.String(truncateBytes(patternID, maxAnnotationTitle, "…")),
	}
}

// detailsURL links a check run to its scanner run when a public URL is
// configured.
func (h *ChecksHandler) detailsURL(runID uuid.UUID) string {
	if h.publicURL == "" {
		return ""
	}
	return h.publicURL + "/runs/" + runID.String()
}
