package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// sarifBatches returns a SARIF log as one batch when it fits the limits,
// else as several logs of at most limits.BatchSize results each. Every
// piece repeats the top-level properties and the metadata (tool, rules,
// base URIs) of the runs whose results it carries, so rule indexes and
// relative URIs resolve as in the original. Runs without results go in the
// first piece.
func sarifBatches(data []byte, limits Limits) ([]batch, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	log, err := parseSARIF(data)
	if err != nil {
		return nil, err
	}
	total := log.resultCount()
	if len(data) <= limits.MaxEventBytes && total <= limits.MaxEventFindings {
		return []batch{{results: json.RawMessage(data), findings: total}}, nil
	}
	var batches []batch
	piece := newSARIFPiece(log, true)
	for runIndex, run := range log.runs {
		for _, result := range run.results {
			if piece.count > 0 && (piece.count == limits.BatchSize || piece.sizeWith(runIndex, result) > limits.MaxEventBytes) {
				b, err := piece.encode()
				if err != nil {
					return nil, err
				}
				batches = append(batches, b)
				piece = newSARIFPiece(log, false)
			}
			piece.add(runIndex, result)
		}
	}
	b, err := piece.encode()
	if err != nil {
		return nil, err
	}
	return append(batches, b), nil
}

// sarifPiece collects the results of one piece of a split log, by run.
type sarifPiece struct {
	log     *sarifLog
	results map[int][]json.RawMessage
	order   []int // run indexes in the piece, ascending
	count   int
	size    int
}

func newSARIFPiece(log *sarifLog, withEmptyRuns bool) *sarifPiece {
	top, _ := json.Marshal(log.top)
	p := &sarifPiece{log: log, results: map[int][]json.RawMessage{}, size: len(top)}
	if withEmptyRuns {
		for i, run := range log.runs {
			if len(run.results) == 0 {
				p.include(i)
			}
		}
	}
	return p
}

func (p *sarifPiece) include(runIndex int) {
	if _, ok := p.results[runIndex]; ok {
		return
	}
	p.results[runIndex] = []json.RawMessage{}
	p.order = append(p.order, runIndex)
	p.size += p.log.runs[runIndex].size
}

func (p *sarifPiece) sizeWith(runIndex int, result json.RawMessage) int {
	size := p.size + len(result) + 1
	if _, ok := p.results[runIndex]; !ok {
		size += p.log.runs[runIndex].size
	}
	return size
}

func (p *sarifPiece) add(runIndex int, result json.RawMessage) {
	p.include(runIndex)
	p.results[runIndex] = append(p.results[runIndex], result)
	p.count++
	p.size += len(result) + 1
}

func (p *sarifPiece) encode() (batch, error) {
	slices.Sort(p.order)
	runs := make([]map[string]json.RawMessage, 0, len(p.order))
	for _, i := range p.order {
		run := make(map[string]json.RawMessage, len(p.log.runs[i].meta)+1)
		for k, v := range p.log.runs[i].meta {
			run[k] = v
		}
		results, err := json.Marshal(p.results[i])
		if err != nil {
			return batch{}, fmt.Errorf("encode SARIF results: %w", err)
		}
		run["results"] = results
		runs = append(runs, run)
	}
	top := make(map[string]any, len(p.log.top)+1)
	for k, v := range p.log.top {
		top[k] = v
	}
	top["runs"] = runs
	data, err := json.Marshal(top)
	if err != nil {
		return batch{}, fmt.Errorf("encode SARIF piece: %w", err)
	}
	return batch{results: data, findings: p.count}, nil
}
