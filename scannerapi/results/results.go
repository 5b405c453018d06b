// Package results turns the "results" object of a scanner event into
// findings ready to store.
//
// A scanner sends results in one of two forms, and both become the same
// []Finding:
//
//   - the native form, {"findings": [...], "summary": "..."}, validated
//     strictly: unknown fields and invalid values are rejected;
//   - a SARIF 2.1.0 log, recognised by its "version" and "runs" properties.
//     Third-party tools write it, so it is read leniently. Values of the
//     wrong JSON type and unknown enum values are rejected, but missing or
//     out-of-range optional values fall back to SARIF's defaults.
//
// Every rejection is a *FieldError whose Field is the JSON path of the
// offending value, rooted at "results". Parse must not panic on any input,
// which FuzzParse checks. It decodes findings and SARIF results one at a
// time and stops with a FieldError at the first one past
// Limits.MaxFindings, so its memory use grows with the input size, not with
// counts or indexes written in the input.
package results

import (
	"bytes"
	"encoding/json"
)

// Result formats, as stored in scanner_events.results_format.
const (
	FormatNative = "native"
	FormatSARIF  = "sarif"
)

// Results is the parsed content of one event's "results" object.
type Results struct {
	// Format is FormatNative or FormatSARIF.
	Format   string
	Findings []Finding
	// Summary is the native form's summary. SARIF logs have none.
	Summary string
	// Tools lists the distinct named SARIF drivers, in run order. It is
	// empty for the native form.
	Tools []Tool
}

// Tool is the analysis tool that produced a SARIF run (its tool.driver).
type Tool struct {
	Name string
	// Version is driver.version, else driver.semanticVersion, else "".
	Version string
}

// Finding is one result, normalised from either input form.
type Finding struct {
	PatternID string
	// Path is "" when the finding has no location in a file.
	Path string
	// StartLine and EndLine are 1-based and inclusive. Both are 0 when Path is
	// "", and both are 1 for a file-level finding (a location without a
	// line).
	StartLine int
	EndLine   int
	Severity  Severity
	Message   string
	// Fingerprint identifies the finding across runs: the scanner's own
	// fingerprint where it sent one, else ComputeFingerprint's digest.
	Fingerprint string
	// Kind is the SARIF result kind ("fail", "pass", "review", ...). Native
	// findings are always "fail".
	Kind string
	// Suppressed is true for a SARIF result with an accepted suppression.
	Suppressed bool
	// Language is guessed from Path's extension ("go", "python", ...), or ""
	// when unknown.
	Language string
}

// KindFail is the SARIF kind of a result that reports a problem. Only such
// findings can block a check or become annotations.
const KindFail = "fail"

// Blocking reports whether f can fail a check whose threshold is threshold:
// it is of kind fail, not suppressed, and at or above the threshold. An
// invalid threshold counts as SeverityError.
func (f Finding) Blocking(threshold Severity) bool {
	if f.Kind != KindFail || f.Suppressed {
		return false
	}
	rank := threshold.Rank()
	if rank == 0 {
		rank = SeverityError.Rank()
	}
	return f.Severity.Rank() >= rank
}

// Annotatable reports whether f becomes a Check Run annotation: it has a
// path, is of kind fail and is not suppressed.
func (f Finding) Annotatable() bool {
	return f.Path != "" && f.Kind == KindFail && !f.Suppressed
}

// utf8BOM is the UTF-8 encoding of U+FEFF, which some Windows tools write at
// the start of JSON files.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// StripBOM returns body without a leading UTF-8 byte-order mark.
func StripBOM(body []byte) []byte {
	return bytes.TrimPrefix(body, utf8BOM)
}

// Parse validates raw, the value of an event's "results" property, and
// converts it to findings. A leading UTF-8 byte-order mark is ignored. Zero
// fields of limits take the DefaultLimits values. Every error is a
// *FieldError.
func Parse(raw json.RawMessage, limits Limits) (*Results, error) {
	limits = limits.withDefaults()
	raw = bytes.TrimSpace(StripBOM(raw))
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, &FieldError{Field: fieldRoot, Detail: "missing; send the native form " +
			`{"findings": [...]} or a SARIF 2.1.0 log`}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, decodeError(fieldRoot, err)
	}
	_, hasVersion := top["version"]
	_, hasRuns := top["runs"]
	if hasVersion || hasRuns {
		return parseSARIF(top, limits)
	}
	if _, ok := top["findings"]; ok {
		return parseNative(top, limits)
	}
	return nil, &FieldError{Field: fieldRoot, Detail: `contains neither "findings" (the native ` +
		`form) nor "version" and "runs" (a SARIF 2.1.0 log); send one of the two forms`}
}
