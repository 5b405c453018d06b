package learning

import (
	"context"
	"fmt"
	"time"

	"github.com/centralcloud/centralcloud/database"
)

// upsert adds one run's insights to the aggregates. Every row of a run has
// the same scanner, and day is the event's day, so redelivery timing does
// not move first_seen_on or last_seen_on.
func upsert(ctx context.Context, tx database.DBTX, insights []insight, day time.Time) error {
	if len(insights) == 0 {
		return nil
	}
	n := len(insights)
	patterns, severities, languages := make([]string, n), make([]string, n), make([]string, n)
	findings, suppressed := make([]int64, n), make([]int64, n)
	for i, in := range insights {
		patterns[i], severities[i], languages[i] = in.patternID, in.severity, in.language
		findings[i], suppressed[i] = in.findings, in.suppressed
	}
	scanner := insights[0].scanner
	_, err := tx.Exec(ctx,
		`INSERT INTO learning_pattern_aggregates AS a
		   (pattern_id, severity, language, scanner_name, scanner_version,
		    finding_count, suppressed_count, run_count, first_seen_on, last_seen_on)
		 SELECT k.pattern_id, k.severity, k.language, $4, $5, k.findings, k.suppressed, 1, $8, $8
		   FROM unnest($1::text[], $2::text[], $3::text[], $6::bigint[], $7::bigint[])
		        WITH ORDINALITY AS k(pattern_id, severity, language, findings, suppressed, n)
		  ORDER BY k.n
		 ON CONFLICT (pattern_id, severity, language, scanner_name, scanner_version) DO UPDATE SET
		   finding_count    = a.finding_count + EXCLUDED.finding_count,
		   suppressed_count = a.suppressed_count + EXCLUDED.suppressed_count,
		   run_count        = a.run_count + 1,
		   first_seen_on    = least(a.first_seen_on, EXCLUDED.first_seen_on),
		   last_seen_on     = greatest(a.last_seen_on, EXCLUDED.last_seen_on)`,
		patterns, severities, languages, scanner.name, scanner.version, findings, suppressed, day)
	if err != nil {
		return fmt.Errorf("update learning aggregates: %w", err)
	}
	return nil
}
