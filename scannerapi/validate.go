package scannerapi

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/centralcloud/centralcloud/internal/problem"
)

var (
	// GitHub logins: 1-39 letters, digits or single hyphens, not starting
	// or ending with a hyphen.
	ownerPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-(?:[A-Za-z0-9])){0,38}$`)
	// GitHub repository names: 1-100 letters, digits, '.', '-' or '_'.
	repoNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	commitPattern   = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)
	etagHexPattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func validateOwner(field, owner string) *problem.Details {
	if len(owner) > 39 || !ownerPattern.MatchString(owner) {
		return problem.InvalidField(field, fmt.Sprintf("%q is not a GitHub owner login: use 1-39 letters, digits or single hyphens, not starting or ending with a hyphen", owner))
	}
	return nil
}

func validateRepoName(field, name string) *problem.Details {
	if !repoNamePattern.MatchString(name) || name == "." || name == ".." {
		return problem.InvalidField(field, fmt.Sprintf("%q is not a GitHub repository name: use 1-100 letters, digits, '.', '-' or '_'", name))
	}
	return nil
}

// normaliseCommit lower-cases a commit id and checks that it is a SHA-1 or
// SHA-256 Git object id in hex.
func normaliseCommit(field, commit string) (string, *problem.Details) {
	c := strings.ToLower(commit)
	if !commitPattern.MatchString(c) {
		return "", problem.InvalidField(field, fmt.Sprintf("%q is not a commit id: send the full 40-character (SHA-1) or 64-character (SHA-256) hex object id", truncate(commit, 80)))
	}
	return c, nil
}

// normaliseETag accepts a bare hex digest, a quoted one or a weak W/"…"
// form, and returns the bare digest.
func normaliseETag(field, etag string) (string, *problem.Details) {
	e := strings.TrimPrefix(etag, "W/")
	e = strings.TrimSuffix(strings.TrimPrefix(e, `"`), `"`)
	e = strings.ToLower(e)
	if !etagHexPattern.MatchString(e) {
		return "", problem.InvalidField(field, fmt.Sprintf("%q is not a snapshot ETag: send the patterns_etag of an earlier response (64 hex digits, quoted or bare) or null", truncate(etag, 80)))
	}
	return e, nil
}

// validateText checks a free-text field: length in characters between min
// and max, valid UTF-8, and printable characters only.
func validateText(field, value string, min, max int) *problem.Details {
	if !utf8.ValidString(value) {
		return problem.InvalidField(field, field+" is not valid UTF-8")
	}
	n := utf8.RuneCountInString(value)
	if n < min || n > max {
		return problem.InvalidField(field, fmt.Sprintf("%s has %d characters: send %d to %d", field, n, min, max))
	}
	for _, r := range value {
		if !unicode.IsPrint(r) {
			return problem.InvalidField(field, fmt.Sprintf("%s contains the non-printable character %U: send printable characters only", field, r))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func missing(field string) *problem.Details {
	return problem.InvalidField(field, field+" is required")
}
