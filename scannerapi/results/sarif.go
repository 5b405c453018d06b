package results

import (
	"encoding/json"
	"slices"
)

// sarifVersion is the only SARIF version accepted.
const sarifVersion = "2.1.0"

// parseSARIF reads every run of a SARIF 2.1.0 log. A run without results
// adds its tool only.
func parseSARIF(top map[string]json.RawMessage, limits Limits) (*Results, error) {
	if err := checkSARIFVersion(top["version"]); err != nil {
		return nil, err
	}
	runsPath := fieldRoot + ".runs"
	if _, ok := top["runs"]; !ok {
		return nil, fieldErrorf(runsPath, "missing; a SARIF log needs a runs array")
	}
	decoder, err := openArray(top["runs"], runsPath, true)
	if err != nil {
		return nil, err
	}
	out := &Results{Format: FormatSARIF}
	for i := 0; decoder.More(); i++ {
		runPath := indexPath(runsPath, i)
		var run *sarifRun
		if err := decoder.Decode(&run); err != nil {
			return nil, decodeError(runPath, err)
		}
		if err := readRun(run, runPath, limits, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func checkSARIFVersion(raw json.RawMessage) error {
	field := fieldRoot + ".version"
	if raw == nil {
		return fieldErrorf(field, `missing; a SARIF log must declare "version": %q`, sarifVersion)
	}
	var version string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &version) != nil {
		return fieldErrorf(field, "invalid value (%s); expected the string %q", describeJSON(raw),
			sarifVersion)
	}
	if version != sarifVersion {
		return fieldErrorf(field, "SARIF version %q is not supported; only version %s is "+
			"accepted, so convert the log or configure the scanner to write SARIF %s",
			truncateText(version, 40), sarifVersion, sarifVersion)
	}
	return nil
}

func readRun(run *sarifRun, runPath string, limits Limits, out *Results) error {
	if run == nil {
		return fieldErrorf(runPath, "invalid value (null); expected a run object")
	}
	if run.Tool == nil || run.Tool.Driver == nil {
		return fieldErrorf(runPath+".tool.driver", "missing; every SARIF run names its "+
			"tool in tool.driver")
	}
	addTool(out, run.Tool.Driver)
	context := newRunContext(run, runPath, limits)
	return context.readResults(out)
}

// addTool records the run's driver once per distinct name and version.
// Drivers without a name are left out.
func addTool(out *Results, driver *sarifToolComponent) {
	if driver.Name == "" {
		return
	}
	tool := Tool{Name: cleanText(driver.Name), Version: cleanText(driver.Version)}
	if tool.Version == "" {
		tool.Version = cleanText(driver.SemanticVersion)
	}
	if !slices.Contains(out.Tools, tool) {
		out.Tools = append(out.Tools, tool)
	}
}

// runContext converts the results of one run, with the run's rules,
// artifacts and base URIs at hand.
type runContext struct {
	run    *sarifRun
	path   string
	limits Limits
	// ruleIDs maps rule ids to indexes, per tool component (0 is the
	// driver, 1+i extension i), built on first use.
	ruleIDs map[int]map[string]int
}

func newRunContext(run *sarifRun, runPath string, limits Limits) *runContext {
	return &runContext{run: run, path: runPath, limits: limits, ruleIDs: map[int]map[string]int{}}
}

func (c *runContext) readResults(out *Results) error {
	resultsPath := c.path + ".results"
	decoder, err := openArray(c.run.Results, resultsPath, true)
	if err != nil {
		return err
	}
	for j := 0; decoder.More(); j++ {
		if len(out.Findings) >= c.limits.MaxFindings {
			return tooManyFindings(resultsPath, c.limits)
		}
		resultPath := indexPath(resultsPath, j)
		var result *sarifResult
		if err := decoder.Decode(&result); err != nil {
			return decodeError(resultPath, err)
		}
		if result == nil {
			return fieldErrorf(resultPath, "invalid value (null); expected a result object")
		}
		finding, err := c.convert(result, resultPath)
		if err != nil {
			return err
		}
		out.Findings = append(out.Findings, finding)
	}
	return nil
}

// convert turns one SARIF result into a Finding.
//
// NOTE: baselineState is not read, so a result that a tool marks "absent"
// (fixed since its baseline) is stored and can block like a new one.
func (c *runContext) convert(result *sarifResult, resultPath string) (Finding, error) {
	rule, err := c.findRule(result, resultPath)
	if err != nil {
		return Finding{}, err
	}
	finding := Finding{}
	if finding.PatternID, err = c.patternID(result, rule, resultPath); err != nil {
		return Finding{}, err
	}
	if finding.Kind, err = resultKind(result, resultPath); err != nil {
		return Finding{}, err
	}
	if finding.Severity, err = c.severity(result, finding.Kind, rule, resultPath); err != nil {
		return Finding{}, err
	}
	if finding.Suppressed, err = suppressed(result, resultPath); err != nil {
		return Finding{}, err
	}
	if err = c.locate(result, resultPath, &finding); err != nil {
		return Finding{}, err
	}
	finding.Message = c.message(result, rule, finding.PatternID)
	finding.Fingerprint = sarifFingerprint(result.Fingerprints, result.PartialFingerprints)
	if finding.Fingerprint == "" {
		finding.Fingerprint = ComputeFingerprint(finding.PatternID, finding.Path, finding.Message)
	}
	finding.Language = Language(finding.Path)
	return finding, nil
}
