package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/centralcloud/centralcloud/scannerapi/client"
	snapclient "github.com/centralcloud/centralcloud/snapshots/client"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// scanInput is the results read from the files named on the command line.
type scanInput struct {
	results client.Results
	// files contains the raw bytes of each file, in command-line order.
	files [][]byte
}

func readScanInput(opts scanOptions) (*scanInput, error) {
	input := &scanInput{}
	for _, path := range opts.sarif {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read SARIF log: %w", err)
		}
		input.results.SARIF = append(input.results.SARIF, data)
		input.files = append(input.files, data)
	}
	if opts.findings != "" {
		data, err := os.ReadFile(opts.findings)
		if err != nil {
			return nil, fmt.Errorf("read findings: %w", err)
		}
		native, err := parseNativeResults(data)
		if err != nil {
			return nil, fmt.Errorf("read findings %s: %w", opts.findings, err)
		}
		input.results.Native = native
		input.files = append(input.files, data)
	}
	metrics, err := readScanMetrics(opts.metrics, len(input.files))
	if err != nil {
		return nil, err
	}
	input.results.Metrics = metrics
	return input, nil
}

// readScanMetrics reads the --metrics file, which must hold a JSON object,
// or describes the command's own work when there is none.
func readScanMetrics(path string, files int) (json.RawMessage, error) {
	if path == "" {
		return json.Marshal(map[string]any{"results_files": files, "client": "centralcloud-scan/" + version})
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(data, &object); err != nil || object == nil {
		return nil, fmt.Errorf("read metrics %s: expected a JSON object such as {\"duration_ms\": 5321}", path)
	}
	return data, nil
}

// parseNativeResults decodes a native results object strictly, so a typo
// in a field name is reported here rather than by the server after the run
// is registered.
func parseNativeResults(data []byte) (*client.NativeResults, error) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})))
	dec.DisallowUnknownFields()
	var native client.NativeResults
	if err := dec.Decode(&native); err != nil {
		return nil, fmt.Errorf(`invalid native results (expected {"findings": [...], "summary": "..."}): %w`, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid native results: the file contains more than one JSON value")
	}
	return &native, nil
}

// loadScanState reads the state directory, or returns a fresh state with a
// key for this process alone when there is none.
func loadScanState(dir string) (*client.State, error) {
	if dir != "" {
		return client.LoadState(dir)
	}
	key, err := wire.SuiteX25519.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate client key: %w", err)
	}
	return &client.State{ClientKey: key}, nil
}

// saveScanState records a new snapshot in the state directory, and keeps
// the key there on the first run.
func saveScanState(dir string, state *client.State, snapshot *snapclient.Snapshot) error {
	if dir == "" {
		return nil
	}
	state.Update(snapshot)
	if err := state.Save(dir); err != nil {
		return fmt.Errorf("save scanner state in --state-dir: %w", err)
	}
	return nil
}
