package snapshots

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a bundle's contents.
const (
	MaxPatterns      = 10000
	MaxMessageLength = 2000     // characters
	MaxRuleSize      = 64 << 10 // bytes
	MaxTags          = 32
	// maxReportedErrors caps the problems listed for one bundle.
	maxReportedErrors = 50
)

var (
	patternIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$`)
	languagePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9+#._-]{0,31}$`)
	tagPattern       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$`)
	severities       = []string{"error", "warning", "note"}
)

// FieldError is one problem in a bundle, naming the pattern and field.
type FieldError struct {
	Index     int    // position in the patterns list, from 0
	PatternID string // empty when the id itself is missing
	Field     string
	Problem   string
}

func (e FieldError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("%s: %s", e.Field, e.Problem)
	}
	if e.PatternID == "" {
		return fmt.Sprintf("patterns[%d]: %s: %s", e.Index, e.Field, e.Problem)
	}
	return fmt.Sprintf("patterns[%d] (id %q): %s: %s", e.Index, e.PatternID, e.Field, e.Problem)
}

// ValidationError lists every problem found in a bundle, one per line.
type ValidationError struct {
	Problems []FieldError
	// Omitted counts problems beyond the reported ones.
	Omitted int
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid pattern bundle (%d problems):", len(e.Problems)+e.Omitted)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "\n  and %d more", e.Omitted)
	}
	return b.String()
}

// Validate checks every pattern and returns a *ValidationError listing all
// problems, or nil.
func (b Bundle) Validate() error {
	v := &ValidationError{}
	add := func(e FieldError) {
		if len(v.Problems) < maxReportedErrors {
			v.Problems = append(v.Problems, e)
		} else {
			v.Omitted++
		}
	}
	switch {
	case len(b.Patterns) == 0:
		add(FieldError{Index: -1, Field: "patterns", Problem: "is empty; a pattern set needs at least one pattern"})
	case len(b.Patterns) > MaxPatterns:
		add(FieldError{Index: -1, Field: "patterns",
			Problem: fmt.Sprintf("has %d patterns, more than the maximum of %d", len(b.Patterns), MaxPatterns)})
	}
	firstIndex := make(map[string]int, len(b.Patterns))
	for i, p := range b.Patterns {
		for _, e := range validatePattern(p) {
			e.Index, e.PatternID = i, p.ID
			add(e)
		}
		if first, dup := firstIndex[p.ID]; dup && p.ID != "" {
			add(FieldError{Index: i, PatternID: p.ID, Field: "id",
				Problem: fmt.Sprintf("duplicates patterns[%d]; pattern ids must be unique", first)})
		} else {
			firstIndex[p.ID] = i
		}
	}
	if len(v.Problems) == 0 {
		return nil
	}
	return v
}

func validatePattern(p BundlePattern) []FieldError {
	var errs []FieldError
	bad := func(field, problem string) {
		errs = append(errs, FieldError{Field: field, Problem: problem})
	}
	if msg := checkToken(p.ID, patternIDPattern,
		"1 to 128 letters, digits, '.', '_', '/' or '-', starting with a letter or digit"); msg != "" {
		bad("id", msg)
	}
	if msg := checkToken(p.Language, languagePattern,
		"a lowercase language name such as go, python or c++ (up to 32 characters)"); msg != "" {
		bad("language", msg)
	}
	if !slices.Contains(severities, p.Severity) {
		bad("severity", fmt.Sprintf("%q is not one of %s", p.Severity, strings.Join(severities, ", ")))
	}
	if msg := checkText(p.Message, MaxMessageLength, utf8.RuneCountInString(p.Message), "characters"); msg != "" {
		bad("message", msg)
	}
	if msg := checkText(p.Rule, MaxRuleSize, len(p.Rule), "bytes"); msg != "" {
		bad("rule", msg)
	}
	for _, e := range validateTags(p.Tags) {
		bad(e.Field, e.Problem)
	}
	return errs
}

func checkToken(value string, pattern *regexp.Regexp, expected string) string {
	if value == "" {
		return "is missing"
	}
	if !pattern.MatchString(value) {
		return fmt.Sprintf("%q is invalid; expected %s", value, expected)
	}
	return ""
}

func checkText(value string, limit, size int, unit string) string {
	switch {
	case strings.TrimSpace(value) == "":
		return "is missing"
	case !utf8.ValidString(value):
		return "is not valid UTF-8"
	case size > limit:
		return fmt.Sprintf("is %d %s, more than the maximum of %d", size, unit, limit)
	case strings.ContainsFunc(value, isForbiddenControl):
		return "contains a control character other than tab or newline"
	}
	return ""
}

func isForbiddenControl(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
}

func validateTags(tags []string) []FieldError {
	var errs []FieldError
	if len(tags) > MaxTags {
		errs = append(errs, FieldError{Field: "tags",
			Problem: fmt.Sprintf("has %d tags, more than the maximum of %d", len(tags), MaxTags)})
	}
	seen := make(map[string]bool, len(tags))
	for i, tag := range tags {
		field := fmt.Sprintf("tags[%d]", i)
		if msg := checkToken(tag, tagPattern,
			"1 to 64 letters, digits, '.', '_', ':', '/' or '-', starting with a letter or digit"); msg != "" {
			errs = append(errs, FieldError{Field: field, Problem: msg})
		} else if seen[tag] {
			errs = append(errs, FieldError{Field: field, Problem: fmt.Sprintf("%q is listed twice", tag)})
		}
		seen[tag] = true
	}
	return errs
}
