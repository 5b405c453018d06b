package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// FormatVersion is the version of the plaintext document layout. A scanner
// that meets a higher version should update itself.
const FormatVersion = 1

// WeightPrecision is the number of decimal places kept in a pattern's
// weight, so that noise below it does not change the ETag.
const WeightPrecision = 4

// Document is the plaintext pattern snapshot.
type Document struct {
	Format   int       `json:"format"`
	Patterns []Pattern `json:"patterns"`
}

// Pattern is one detection pattern in a snapshot.
type Pattern struct {
	ID       string   `json:"id"`
	Language string   `json:"language"`
	Severity string   `json:"severity"`
	Message  string   `json:"message"`
	Rule     string   `json:"rule"`
	Tags     []string `json:"tags,omitempty"`
	// Weight is the confidence learned from scanner results across
	// organisations, from 0 to 1. It is absent while no results exist.
	Weight *float64 `json:"weight,omitempty"`
}

// Canonical returns the canonical serialisation of doc: compact JSON with
// fields in declaration order, patterns sorted by id, tags sorted, weights
// rounded to WeightPrecision places and no HTML escaping. Equal documents
// give equal bytes, so their ETags are equal. doc is not modified.
func Canonical(doc Document) ([]byte, error) {
	out := Document{Format: doc.Format, Patterns: make([]Pattern, len(doc.Patterns))}
	for i, p := range doc.Patterns {
		p.Tags = slices.Clone(p.Tags)
		slices.Sort(p.Tags)
		if p.Weight != nil {
			w := roundWeight(*p.Weight)
			p.Weight = &w
		}
		out.Patterns[i] = p
	}
	slices.SortFunc(out.Patterns, func(a, b Pattern) int {
		return strings.Compare(a.ID, b.ID)
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode snapshot document: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ParseDocument decodes a plaintext snapshot.
func ParseDocument(plaintext []byte) (Document, error) {
	var doc Document
	if err := json.Unmarshal(plaintext, &doc); err != nil {
		return Document{}, fmt.Errorf("decode snapshot document: %w", err)
	}
	if doc.Format != FormatVersion {
		return Document{}, fmt.Errorf("snapshot document format %d is not supported; this client reads format %d",
			doc.Format, FormatVersion)
	}
	return doc, nil
}

func roundWeight(w float64) float64 {
	scale := math.Pow10(WeightPrecision)
	r := math.Round(w*scale) / scale
	if r == 0 {
		return 0 // turns -0 into 0, which encodes the same on every platform
	}
	return r
}

// EmptyDocument is the snapshot served before any pattern set is published.
func EmptyDocument() Document {
	return Document{Format: FormatVersion, Patterns: []Pattern{}}
}
