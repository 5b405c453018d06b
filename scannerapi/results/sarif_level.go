package results

import (
	"slices"
	"strings"
)

// The enumerations of SARIF 2.1.0 that findings use.
var (
	sarifKinds             = []string{"fail", "pass", "open", "review", "informational", "notApplicable"}
	sarifLevels            = []string{"error", "warning", "note", "none"}
	sarifSuppressionStatus = []string{"accepted", "underReview", "rejected"}
)

// resultKind returns the result's kind, which defaults to "fail"
// (SARIF 2.1.0 §3.27.9).
func resultKind(result *sarifResult, resultPath string) (string, error) {
	if result.Kind == nil {
		return KindFail, nil
	}
	if err := checkEnum(*result.Kind, sarifKinds, resultPath+".kind"); err != nil {
		return "", err
	}
	return *result.Kind, nil
}

// severity returns the severity of the result's effective level
// (SARIF 2.1.0 §3.27.10):
//
//   - "none" when kind is not "fail",
//   - else the result's own level,
//   - else the level that the invocation named by provenance.invocationIndex
//     sets for the rule in its ruleConfigurationOverrides,
//   - else the rule's defaultConfiguration.level,
//   - else "warning".
//
// The level "none" becomes SeverityNote.
func (c *runContext) severity(result *sarifResult, kind string, match ruleMatch, resultPath string) (Severity, error) {
	if result.Level != nil {
		if err := checkEnum(*result.Level, sarifLevels, resultPath+".level"); err != nil {
			return "", err
		}
	}
	// SARIF requires the level of a result whose kind is not "fail" to be
	// absent or "none", so a producer that writes another level is overruled.
	if kind != KindFail {
		return SeverityNote, nil
	}
	if result.Level != nil {
		return levelSeverity(*result.Level), nil
	}
	if match.rule == nil {
		return SeverityWarning, nil
	}
	if level, field := c.overrideLevel(result, match); level != nil {
		return configuredSeverity(*level, field)
	}
	defaults := match.rule.DefaultConfiguration
	if defaults != nil && defaults.Level != nil {
		return configuredSeverity(*defaults.Level, match.path+".defaultConfiguration.level")
	}
	return SeverityWarning, nil
}

// overrideLevel returns the level of the first configuration override for
// the result's rule in the invocation that the result's provenance names,
// with the override's JSON path, or nil.
func (c *runContext) overrideLevel(result *sarifResult, match ruleMatch) (*string, string) {
	if result.Provenance == nil || result.Provenance.InvocationIndex == nil {
		return nil, ""
	}
	invocation := *result.Provenance.InvocationIndex
	if invocation < 0 || invocation >= int64(len(c.run.Invocations)) {
		return nil, ""
	}
	overridesPath := indexPath(c.path+".invocations", int(invocation)) + ".ruleConfigurationOverrides"
	for i, override := range c.run.Invocations[invocation].RuleConfigurationOverrides {
		if override.Configuration.Level != nil && c.describes(override.Descriptor, match) {
			return override.Configuration.Level, indexPath(overridesPath, i) + ".configuration.level"
		}
	}
	return nil, ""
}

// describes reports whether a descriptor reference designates the matched
// rule: same tool component, and same index or else same id.
func (c *runContext) describes(reference sarifDescriptorReference, match ruleMatch) bool {
	if c.componentFor(reference.ToolComponent) != match.component {
		return false
	}
	if reference.Index != nil && *reference.Index >= 0 {
		return *reference.Index == int64(match.index)
	}
	return reference.ID != "" && reference.ID == match.rule.ID
}

func configuredSeverity(level, field string) (Severity, error) {
	if err := checkEnum(level, sarifLevels, field); err != nil {
		return "", err
	}
	return levelSeverity(level), nil
}

func levelSeverity(level string) Severity {
	if level == "none" {
		return SeverityNote
	}
	return Severity(level)
}

// suppressed reports whether any of the result's suppressions has an
// absent or "accepted" status. Suppressions under review or rejected do not
// suppress (SARIF 2.1.0 §3.35.3).
func suppressed(result *sarifResult, resultPath string) (bool, error) {
	isSuppressed := false
	for i, suppression := range result.Suppressions {
		if suppression == nil {
			continue
		}
		if suppression.Status == nil {
			isSuppressed = true
			continue
		}
		field := indexPath(resultPath+".suppressions", i) + ".status"
		if err := checkEnum(*suppression.Status, sarifSuppressionStatus, field); err != nil {
			return false, err
		}
		if *suppression.Status == "accepted" {
			isSuppressed = true
		}
	}
	return isSuppressed, nil
}

func checkEnum(value string, allowed []string, field string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	return fieldErrorf(field, "invalid value %q; use one of %s", truncateText(value, 40),
		strings.Join(allowed, ", "))
}
