package snapshots

import (
	"context"
	"fmt"

	"github.com/centralcloud/centralcloud/database"
)

// AggregateWeights is the WeightSource backed by the learning aggregates
// (table learning_pattern_aggregates). A pattern's weight is the share of
// its findings that were not suppressed, with add-one smoothing so that a
// few results do not decide it: (findings - suppressed + 1) / (findings +
// 2). A pattern without findings has no weight.
type AggregateWeights struct{}

// Weights sums each pattern's findings over every severity, language and
// scanner and returns their weights.
func (AggregateWeights) Weights(ctx context.Context, db database.DBTX) (map[string]float64, error) {
	rows, err := db.Query(ctx, `
		SELECT pattern_id, sum(finding_count)::bigint, sum(suppressed_count)::bigint
		FROM learning_pattern_aggregates
		GROUP BY pattern_id`)
	if err != nil {
		return nil, fmt.Errorf("read learning aggregates: %w", err)
	}
	defer rows.Close()
	weights := map[string]float64{}
	for rows.Next() {
		var id string
		var findings, suppressed int64
		if err := rows.Scan(&id, &findings, &suppressed); err != nil {
			return nil, fmt.Errorf("read learning aggregates: %w", err)
		}
		if findings <= 0 {
			continue
		}
		kept := max(findings-suppressed, 0)
		weights[id] = float64(kept+1) / float64(findings+2)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read learning aggregates: %w", err)
	}
	return weights, nil
}
