package results

import "fmt"

// Severity is the seriousness of a finding. The Check Run annotation level
// follows it: error becomes failure, warning stays warning, note becomes
// notice.
type Severity string

// The three severities, from most to least serious.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Rank orders severities: note 1, warning 2, error 3, and 0 for any other
// value.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityNote:
		return 1
	default:
		return 0
	}
}

// ParseSeverity converts "error", "warning" or "note" to a Severity.
func ParseSeverity(value string) (Severity, error) {
	severity := Severity(value)
	if severity.Rank() == 0 {
		return "", fmt.Errorf("invalid severity %q: use error, warning or note", value)
	}
	return severity, nil
}
