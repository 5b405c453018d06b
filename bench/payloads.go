package bench

import (
	"encoding/json"
	"fmt"
	"strings"
)

// PatternBundle returns a pattern bundle, as `centralcloud patterns publish`
// reads it, of about size bytes of JSON.
func PatternBundle(size int) []byte {
	type pattern struct {
		ID       string   `json:"id"`
		Language string   `json:"language"`
		Severity string   `json:"severity"`
		Message  string   `json:"message"`
		Rule     string   `json:"rule"`
		Tags     []string `json:"tags"`
	}
	rule := strings.Repeat("call(exec.Command) & arg(0: tainted) | ", 25)
	var patterns []pattern
	for total := 0; total < size; total += len(rule) + 150 {
		patterns = append(patterns, pattern{
			ID: fmt.Sprintf("go.bench-%05d", len(patterns)), Language: "go", Severity: "warning",
			Message: "Command built from request data", Rule: rule, Tags: []string{"security"},
		})
	}
	return mustJSON(map[string]any{"patterns": patterns})
}

// NativeResults returns the results object of a scanner event with n
// findings in CentralCloud's own format.
func NativeResults(n int) json.RawMessage {
	findings := make([]map[string]any, n)
	for i := range findings {
		findings[i] = map[string]any{
			"pattern_id": fmt.Sprintf("go.bench-%05d", i%50), "path": fmt.Sprintf("internal/pkg%d/file%d.go", i%7, i),
			"start_line": 10 + i, "end_line": 12 + i, "severity": "warning",
			"message": "Command built from request data", "fingerprint": fmt.Sprintf("fp-%d", i),
		}
	}
	return mustJSON(map[string]any{"findings": findings, "summary": fmt.Sprintf("%d findings", n)})
}

// SARIFLog returns a SARIF 2.1.0 log of at least size bytes: one run of a
// made-up tool with results of about 600 bytes each.
func SARIFLog(size int) json.RawMessage {
	text := "Untrusted data reaches a shell command. " + strings.Repeat("The value flows from the request through helpers. ", 6)
	var results []map[string]any
	for total := 0; total < size; {
		i := len(results)
		result := map[string]any{
			"ruleId": fmt.Sprintf("BENCH%03d", i%40), "level": "warning",
			"message": map[string]any{"text": text},
			"locations": []any{map[string]any{"physicalLocation": map[string]any{
				"artifactLocation": map[string]any{"uri": fmt.Sprintf("src/module%d/handler%d.go", i%11, i)},
				"region":           map[string]any{"startLine": 5 + i%300, "startColumn": 3, "endLine": 7 + i%300, "endColumn": 40},
			}}},
			"partialFingerprints": map[string]any{"primaryLocationLineHash": fmt.Sprintf("%016x:1", i*7919)},
		}
		results = append(results, result)
		total += len(mustJSON(result)) + 1
	}
	rules := make([]map[string]any, 40)
	for i := range rules {
		rules[i] = map[string]any{"id": fmt.Sprintf("BENCH%03d", i), "shortDescription": map[string]any{"text": "shell command from input"}}
	}
	return mustJSON(map[string]any{
		"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"runs": []any{map[string]any{
			"tool":    map[string]any{"driver": map[string]any{"name": "benchscan", "version": "1.0.0", "rules": rules}},
			"results": results,
		}},
	})
}

func mustJSON(v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("bench: encode generated payload: %v", err))
	}
	return out
}
