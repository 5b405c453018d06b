package snapshots

import (
	"errors"
	"strings"
)

// errMalformedIfNoneMatch reports an If-None-Match value outside the RFC
// 9110 grammar: "*" or a comma-separated list of entity tags.
var errMalformedIfNoneMatch = errors.New(`If-None-Match must be "*" or a comma-separated list of entity tags ` +
	`such as "<etag>" or W/"<etag>" (RFC 9110, section 13.1.2)`)

// ifNoneMatch is the evaluated If-None-Match field.
type ifNoneMatch struct {
	elements int  // entity tags and "*" in every field line
	star     bool // the field is "*"
	match    bool // an entity tag's opaque part equals the current ETag
}

// matchIfNoneMatch evaluates the If-None-Match field lines against the
// bare ETag of the current representation. Entity tags compare weakly, as
// RFC 9110 prescribes for this field, so W/"x" matches "x". "*" matches,
// because a current representation always exists. Empty list elements are
// skipped, as the list syntax requires of recipients.
func matchIfNoneMatch(lines []string, etag string) (ifNoneMatch, error) {
	// Fast path: a client that has the current snapshot sends its tag
	// alone, exactly as the server wrote it.
	if len(lines) == 1 && len(lines[0]) == len(etag)+2 && lines[0][0] == '"' &&
		lines[0][1:len(etag)+1] == etag && lines[0][len(etag)+1] == '"' {
		return ifNoneMatch{elements: 1, match: true}, nil
	}
	var result ifNoneMatch
	for _, line := range lines {
		if err := result.scan(line, etag); err != nil {
			return ifNoneMatch{}, err
		}
	}
	if result.star {
		if result.elements > 1 {
			return ifNoneMatch{}, errMalformedIfNoneMatch
		}
		result.match = true
	}
	return result, nil
}

// scan reads the elements of one field line.
func (r *ifNoneMatch) scan(line, etag string) error {
	s := line
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return nil
		}
		r.elements++
		if s[0] == '*' {
			r.star = true
			s = s[1:]
		} else {
			opaque, rest, ok := cutEntityTag(s)
			if !ok {
				return errMalformedIfNoneMatch
			}
			r.match = r.match || opaque == etag
			s = rest
		}
		s = strings.TrimLeft(s, " \t")
		if s != "" && s[0] != ',' {
			return errMalformedIfNoneMatch
		}
	}
}

// cutEntityTag reads one entity-tag ([W/] DQUOTE *etagc DQUOTE) at the
// start of s and returns its opaque part without quotes and the rest.
func cutEntityTag(s string) (opaque, rest string, ok bool) {
	s = strings.TrimPrefix(s, "W/")
	if s == "" || s[0] != '"' {
		return "", "", false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return s[1:i], s[i+1:], true
		case c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80:
			// etagc: a visible character other than DQUOTE, or obs-text.
		default:
			return "", "", false
		}
	}
	return "", "", false
}
