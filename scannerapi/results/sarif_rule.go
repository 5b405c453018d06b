package results

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// unknownRuleID is the pattern id of a result that names no rule in a run
// whose driver has no name either.
const unknownRuleID = "unknown-rule"

// ruleMatch is the reportingDescriptor that a result refers to.
type ruleMatch struct {
	// rule is nil when the run does not describe the result's rule.
	rule *sarifRule
	// component is the tool component holding the rule: 0 for the driver,
	// 1+i for extension i.
	component int
	// index is the rule's position in its component, or -1.
	index int
	// path is the JSON path of rule, for error messages.
	path string
	// requestedIndex is the result's ruleIndex or rule.index, or -1.
	requestedIndex int64
}

// findRule looks up the rule of a result (SARIF 2.1.0 §3.27.5 to §3.27.7):
// by ruleIndex (or rule.index) in the component that rule.toolComponent
// names, else by ruleId (or rule.id). A hierarchical id such as "CA5350/md5"
// whose full form is not a rule id resolves to its longest leading
// components that are, here "CA5350".
func (c *runContext) findRule(result *sarifResult, resultPath string) (ruleMatch, error) {
	requested, err := requestedRuleIndex(result, resultPath)
	if err != nil {
		return ruleMatch{}, err
	}
	match := ruleMatch{component: c.componentOf(result), index: -1, requestedIndex: requested}
	rules := c.componentRules(match.component)
	if requested >= 0 && requested < int64(len(rules)) {
		match.index = int(requested)
	} else if index, ok := c.ruleByID(match.component, resultRuleID(result)); ok {
		match.index = index
	}
	if match.index >= 0 {
		match.rule = &rules[match.index]
		match.path = indexPath(c.componentPath(match.component)+".rules", match.index)
	}
	return match, nil
}

// requestedRuleIndex returns ruleIndex, else rule.index, else -1. SARIF
// uses -1 for "no index", so smaller values are rejected.
func requestedRuleIndex(result *sarifResult, resultPath string) (int64, error) {
	index, field := result.RuleIndex, resultPath+".ruleIndex"
	if index == nil && result.Rule != nil {
		index, field = result.Rule.Index, resultPath+".rule.index"
	}
	if index == nil {
		return -1, nil
	}
	if *index < -1 {
		return 0, fieldErrorf(field, "is %d; send the rule's index in the tool's rules array, "+
			"or -1 or nothing when there is none", *index)
	}
	return *index, nil
}

func resultRuleID(result *sarifResult) string {
	if result.RuleID == "" && result.Rule != nil {
		return result.Rule.ID
	}
	return result.RuleID
}

// componentOf returns the tool component that holds the result's rule.
func (c *runContext) componentOf(result *sarifResult) int {
	if result.Rule == nil {
		return 0
	}
	return c.componentFor(result.Rule.ToolComponent)
}

// componentFor returns the tool component that reference refers to, by
// index or else by name, defaulting to the driver.
func (c *runContext) componentFor(reference *sarifComponentReference) int {
	if reference == nil {
		return 0
	}
	extensions := c.run.Tool.Extensions
	if reference.Index != nil && *reference.Index >= 0 && *reference.Index < int64(len(extensions)) {
		return 1 + int(*reference.Index)
	}
	if reference.Name == "" || reference.Name == c.run.Tool.Driver.Name {
		return 0
	}
	for i := range extensions {
		if extensions[i].Name == reference.Name {
			return 1 + i
		}
	}
	return 0
}

func (c *runContext) componentRules(component int) []sarifRule {
	if component == 0 {
		return c.run.Tool.Driver.Rules
	}
	return c.run.Tool.Extensions[component-1].Rules
}

func (c *runContext) componentByIndex(component int) *sarifToolComponent {
	if component == 0 {
		return c.run.Tool.Driver
	}
	return &c.run.Tool.Extensions[component-1]
}

func (c *runContext) componentPath(component int) string {
	if component == 0 {
		return c.path + ".tool.driver"
	}
	return indexPath(c.path+".tool.extensions", component-1)
}

// ruleByID returns the index of the first rule of component whose id is id
// or, for a hierarchical id, its longest leading components.
func (c *runContext) ruleByID(component int, id string) (int, bool) {
	// An id too long to be a pattern id is rejected later. Skipping it here
	// bounds the cost of the prefix search.
	if id == "" || utf8.RuneCountInString(id) > maxPatternIDChars {
		return 0, false
	}
	indexes, ok := c.ruleIDs[component]
	if !ok {
		indexes = map[string]int{}
		for i, rule := range c.componentRules(component) {
			if _, seen := indexes[rule.ID]; !seen {
				indexes[rule.ID] = i
			}
		}
		c.ruleIDs[component] = indexes
	}
	for {
		if index, ok := indexes[id]; ok {
			return index, true
		}
		slash := strings.LastIndexByte(id, '/')
		if slash <= 0 {
			return 0, false
		}
		id = id[:slash]
	}
}

// patternID returns the result's ruleId, else rule.id, else the id of the
// rule that ruleIndex names. A dangling index gives "rule-index-N", and a
// result that names no rule at all takes the driver's name.
func (c *runContext) patternID(result *sarifResult, match ruleMatch, resultPath string) (string, error) {
	id, field := result.RuleID, resultPath+".ruleId"
	if id == "" && result.Rule != nil {
		id, field = result.Rule.ID, resultPath+".rule.id"
	}
	if id == "" && match.rule != nil {
		id, field = match.rule.ID, match.path+".id"
	}
	if id == "" && match.requestedIndex >= 0 {
		return "rule-index-" + strconv.FormatInt(match.requestedIndex, 10), nil
	}
	if id == "" {
		id, field = c.run.Tool.Driver.Name, c.path+".tool.driver.name"
	}
	if id == "" {
		return unknownRuleID, nil
	}
	if count := utf8.RuneCountInString(id); count > maxPatternIDChars {
		return "", fieldErrorf(field, "is %d characters long; the maximum for a pattern id is %d",
			count, maxPatternIDChars)
	}
	return cleanText(id), nil
}
