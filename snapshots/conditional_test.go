package snapshots

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMatchIfNoneMatch(t *testing.T) {
	t.Parallel()
	etag := strings.Repeat("a1", 32)
	other := strings.Repeat("b2", 32)
	cases := []struct {
		name           string
		lines          []string
		present, match bool
	}{
		{"absent", nil, false, false},
		{"empty value", []string{""}, false, false},
		{"exact", []string{`"` + etag + `"`}, true, true},
		{"weak", []string{`W/"` + etag + `"`}, true, true},
		{"stale", []string{`"` + other + `"`}, true, false},
		{"list containing it", []string{`"` + other + `", W/"x", "` + etag + `"`}, true, true},
		{"list without spaces", []string{`"` + other + `","` + etag + `"`}, true, true},
		{"empty list elements", []string{`, ,"` + etag + `",`}, true, true},
		{"several field lines", []string{`"` + other + `"`, `"` + etag + `"`}, true, true},
		{"star", []string{"*"}, true, true},
		{"star with spaces", []string{"  * "}, true, true},
		{"comma inside a tag", []string{`"a,b", "` + etag + `"`}, true, true},
		{"empty tag", []string{`""`}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := matchIfNoneMatch(tc.lines, etag)
			require.NoError(t, err)
			require.Equal(t, tc.present, got.elements > 0, "present")
			require.Equal(t, tc.match, got.match, "match")
		})
	}
}

func TestMatchIfNoneMatchMalformed(t *testing.T) {
	t.Parallel()
	etag := strings.Repeat("a1", 32)
	for _, lines := range [][]string{
		{etag},                            // not quoted
		{`"` + etag},                      // unterminated
		{`w/"` + etag + `"`},              // weak prefix is case-sensitive
		{`"` + etag + `" "` + etag + `"`}, // missing comma
		{`"a b"`},                         // space inside a tag
		{`*, "` + etag + `"`},             // star in a list
		{`*`, `"` + etag + `"`},           // star and a tag on two lines
		{`**`},
	} {
		_, err := matchIfNoneMatch(lines, etag)
		require.ErrorIs(t, err, errMalformedIfNoneMatch, "%q", lines)
	}
}
