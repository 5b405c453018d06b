package client

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Limits bound the events that Upload sends. Zero fields take the
// defaults.
type Limits struct {
	// BatchSize is the maximum number of native findings in one event, and
	// of SARIF results in one piece of a split log. Default 1,000.
	BatchSize int
	// MaxEventFindings is the maximum number of results of a SARIF log
	// sent whole; a log with more is split. Default 10,000, the server's
	// default maximum per event.
	MaxEventFindings int
	// MaxEventBytes bounds the uncompressed results of one event: a larger
	// SARIF log is split, and a native batch ends early. Default 8 MiB, a
	// quarter of the server's default http.max_body_bytes.
	MaxEventBytes int
}

func (l Limits) withDefaults() Limits {
	if l.BatchSize <= 0 {
		l.BatchSize = 1000
	}
	if l.MaxEventFindings <= 0 {
		l.MaxEventFindings = 10000
	}
	if l.MaxEventBytes <= 0 {
		l.MaxEventBytes = 8 << 20
	}
	return l
}

// batch is the results object of one event.
type batch struct {
	results  json.RawMessage
	findings int
}

// nativeBatches splits native results into batches of at most
// limits.BatchSize findings and about limits.MaxEventBytes bytes. Only the
// last batch carries the summary. No findings make one empty batch.
func nativeBatches(native NativeResults, limits Limits) ([]batch, error) {
	var batches []batch
	var current []json.RawMessage
	size := 0
	flush := func(summary string) error {
		data, err := json.Marshal(struct {
			Findings []json.RawMessage `json:"findings"`
			Summary  string            `json:"summary,omitempty"`
		}{Findings: append([]json.RawMessage{}, current...), Summary: summary})
		if err != nil {
			return fmt.Errorf("encode native results: %w", err)
		}
		batches = append(batches, batch{results: data, findings: len(current)})
		current, size = current[:0], 0
		return nil
	}
	for i, finding := range native.Findings {
		data, err := json.Marshal(finding)
		if err != nil {
			return nil, fmt.Errorf("encode finding %d: %w", i, err)
		}
		if len(current) > 0 && (len(current) == limits.BatchSize || size+len(data) > limits.MaxEventBytes) {
			if err := flush(""); err != nil {
				return nil, err
			}
		}
		current = append(current, data)
		size += len(data) + 1
	}
	if err := flush(native.Summary); err != nil {
		return nil, err
	}
	return batches, nil
}

// utf8BOM is dropped from the start of a SARIF log; some Windows tools
// write it, and JSON does not allow it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ErrInvalidSARIF reports a SARIF log that is not a JSON object with a
// runs array. The server checks the rest, such as the version.
var ErrInvalidSARIF = errors.New("invalid SARIF log")

// sarifLog is a SARIF log taken apart just enough to split its results.
type sarifLog struct {
	top  map[string]json.RawMessage // every property but runs
	runs []sarifRun
}

type sarifRun struct {
	meta    map[string]json.RawMessage // every property but results
	size    int                        // encoded size of meta
	results []json.RawMessage
}

func parseSARIF(data []byte) (*sarifLog, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %w", ErrInvalidSARIF, err)
	}
	var runs []map[string]json.RawMessage
	if err := json.Unmarshal(top["runs"], &runs); err != nil || runs == nil {
		return nil, fmt.Errorf("%w: \"runs\" is missing or not an array of objects", ErrInvalidSARIF)
	}
	delete(top, "runs")
	log := &sarifLog{top: top}
	for i, run := range runs {
		r := sarifRun{meta: run}
		if raw, ok := run["results"]; ok {
			if err := json.Unmarshal(raw, &r.results); err != nil {
				return nil, fmt.Errorf("%w: runs[%d].results is not an array: %w", ErrInvalidSARIF, i, err)
			}
			delete(run, "results")
		}
		meta, _ := json.Marshal(run)
		r.size = len(meta)
		log.runs = append(log.runs, r)
	}
	return log, nil
}

func (l *sarifLog) resultCount() int {
	n := 0
	for _, run := range l.runs {
		n += len(run.results)
	}
	return n
}
