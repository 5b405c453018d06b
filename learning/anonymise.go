package learning

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Value shapes that may enter the aggregates. A value of another shape is
// replaced (languages, scanner names and versions become "other") or left
// out (pattern ids), because free text such as a message or a path with
// spaces could name a person or a project.
var (
	patternIDShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@+#-]{0,127}$`)
	languageShape  = regexp.MustCompile(`^[a-z0-9][a-z0-9+#._-]{0,31}$`)
	scannerShape   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/@+-]{0,63}$`)
	versionShape   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)
)

// other replaces a language or scanner value that may not be stored.
const other = "other"

// minNameLength is the shortest repository, owner or org name, or word of
// one, that disqualifies a value containing it. Shorter ones ("go", "ui")
// occur inside too many legitimate pattern ids to say anything about an
// org.
const minNameLength = 4

// identifiers are the lower-cased paths and names of one run that no
// stored value may be or contain.
type identifiers struct {
	// exact holds every path: a pattern id equal to one is dropped.
	exact map[string]bool
	// contained holds the paths with a folder and the names and name words
	// long enough to be distinctive: a value containing one is dropped. Bare file names
	// such as "Dockerfile" are only matched exactly, because rule ids
	// often name them.
	contained []string
}

func newIdentifiers(paths, names []string) identifiers {
	ids := identifiers{exact: make(map[string]bool, len(paths))}
	for _, p := range paths {
		p = strings.ToLower(p)
		ids.exact[p] = true
		if strings.Contains(p, "/") {
			ids.contained = append(ids.contained, p)
		}
	}
	for _, name := range names {
		ids.contained = append(ids.contained, nameParts(strings.ToLower(name))...)
	}
	return ids
}

// nameParts returns name and its words (split at anything but letters and
// digits) that are at least minNameLength long, so that "payments" in a
// pattern id is caught for the repository "acme-payments". This drops
// some legitimate pattern ids that share a word with the repository's
// name, which costs learning from that run only.
func nameParts(name string) []string {
	words := strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var parts []string
	for _, part := range append(words, name) {
		if len(part) >= minNameLength {
			parts = append(parts, part)
		}
	}
	return parts
}

// occurIn reports whether value is or contains one of the identifiers,
// ignoring case.
func (ids identifiers) occurIn(value string) bool {
	value = strings.ToLower(value)
	if ids.exact[value] {
		return true
	}
	for _, id := range ids.contained {
		if strings.Contains(value, id) {
			return true
		}
	}
	return false
}

// findingGroup counts one run's findings of one pattern, severity and
// language.
type findingGroup struct {
	patternID  string
	severity   string
	language   string
	findings   int64
	suppressed int64
}

// scannerInfo is the scanner a run named.
type scannerInfo struct {
	name    string
	version string
}

// insight is one anonymised aggregate row's share from one run.
type insight struct {
	patternID  string
	severity   string
	language   string
	findings   int64
	suppressed int64
	scanner    scannerInfo
}

// anonymise turns a run's finding groups into insights, sorted by key so
// that concurrent upserts lock rows in the same order. It returns the
// number of distinct pattern ids it left out.
func anonymise(groups []findingGroup, scanner scannerInfo, ids identifiers) ([]insight, int) {
	scanner = scannerInfo{
		name:    cleanValue(scanner.name, scannerShape, ids),
		version: cleanValue(scanner.version, versionShape, ids),
	}
	merged := make(map[[3]string]*insight)
	dropped := make(map[string]bool)
	for _, g := range groups {
		if !patternIDShape.MatchString(g.patternID) || ids.occurIn(g.patternID) {
			dropped[g.patternID] = true
			continue
		}
		key := [3]string{g.patternID, g.severity, cleanValue(strings.ToLower(g.language), languageShape, ids)}
		in, ok := merged[key]
		if !ok {
			in = &insight{patternID: key[0], severity: key[1], language: key[2], scanner: scanner}
			merged[key] = in
		}
		in.findings += g.findings
		in.suppressed += g.suppressed
	}
	insights := make([]insight, 0, len(merged))
	for _, in := range merged {
		insights = append(insights, *in)
	}
	slices.SortFunc(insights, func(a, b insight) int {
		return cmp.Or(cmp.Compare(a.patternID, b.patternID), cmp.Compare(a.severity, b.severity),
			cmp.Compare(a.language, b.language))
	})
	return insights, len(dropped)
}

// cleanValue returns value when it has the allowed shape and contains no
// identifier, "" for an empty value, and "other" otherwise.
func cleanValue(value string, shape *regexp.Regexp, ids identifiers) string {
	switch {
	case value == "":
		return ""
	case shape.MatchString(value) && !ids.occurIn(value):
		return value
	default:
		return other
	}
}
