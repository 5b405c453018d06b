package snapshots

import (
	"context"
	"math"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// WeightSource provides the per-pattern weights learned from scanner
// results, which a snapshot carries next to each pattern.
type WeightSource interface {
	// Weights returns a weight from 0 to 1 for each pattern id that has
	// learned results. It reads through db, so the uncommitted changes of
	// a caller's transaction count.
	Weights(ctx context.Context, db database.DBTX) (map[string]float64, error)
}

// NoWeights is a WeightSource without learned results.
type NoWeights struct{}

// Weights returns an empty map.
func (NoWeights) Weights(context.Context, database.DBTX) (map[string]float64, error) {
	return map[string]float64{}, nil
}

// applyWeights sets each pattern's weight from weights, clamped to [0, 1]
// and rounded as the canonical form rounds it. Ids without a finite weight
// get none.
func applyWeights(patterns []wire.Pattern, weights map[string]float64) []wire.Pattern {
	out := make([]wire.Pattern, len(patterns))
	for i, p := range patterns {
		p.Weight = nil
		if w, ok := normalizedWeight(weights, p.ID); ok {
			p.Weight = &w
		}
		out[i] = p
	}
	return out
}

func normalizedWeight(weights map[string]float64, id string) (float64, bool) {
	w, ok := weights[id]
	if !ok || math.IsNaN(w) {
		return 0, false
	}
	w = math.Min(1, math.Max(0, w))
	scale := math.Pow10(wire.WeightPrecision)
	return math.Round(w*scale) / scale, true
}

// weightsChanged reports whether any pattern's weight moved by more than
// threshold from the weights in patterns, or gained or lost its weight.
func weightsChanged(patterns []wire.Pattern, weights map[string]float64, threshold float64) bool {
	for _, p := range patterns {
		w, ok := normalizedWeight(weights, p.ID)
		switch {
		case ok != (p.Weight != nil):
			return true
		case ok && math.Abs(w-*p.Weight) > threshold:
			return true
		}
	}
	return false
}
