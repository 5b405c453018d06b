package snapshots

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const yamlBundle = `patterns:
  - id: go.sql-injection
    language: go
    severity: error
    message: SQL built from request data
    rule: |
      call(db.Query) & arg(0: tainted)
    tags: [security, cwe-89]
  - id: py.weak-hash
    language: python
    severity: note
    message: MD5 is not collision resistant
    rule: call(hashlib.md5)
`

const jsonBundle = `{"patterns": [
  {"id": "go.sql-injection", "language": "go", "severity": "error",
   "message": "SQL built from request data", "rule": "call(db.Query) & arg(0: tainted)\n",
   "tags": ["security", "cwe-89"]},
  {"id": "py.weak-hash", "language": "python", "severity": "note",
   "message": "MD5 is not collision resistant", "rule": "call(hashlib.md5)"}
]}`

func TestParseBundleYAMLAndJSONAgree(t *testing.T) {
	t.Parallel()
	fromYAML, err := ParseBundle([]byte(yamlBundle), FormatYAML)
	require.NoError(t, err)
	fromJSON, err := ParseBundle([]byte(jsonBundle), FormatJSON)
	require.NoError(t, err)
	require.Equal(t, fromJSON, fromYAML)
	require.Len(t, fromYAML.Patterns, 2)
	require.Equal(t, []string{"security", "cwe-89"}, fromYAML.Patterns[0].Tags)
}

func TestParseBundleRejectsUnknownFields(t *testing.T) {
	t.Parallel()
	_, err := ParseBundle([]byte(strings.Replace(yamlBundle, "    language: go\n", "    language: go\n    lang: go\n", 1)), FormatYAML)
	require.ErrorContains(t, err, "field lang not found")
	_, err = ParseBundle([]byte(strings.Replace(jsonBundle, `"language": "go"`, `"language": "go", "weight": 1`, 1)), FormatJSON)
	require.ErrorContains(t, err, `unknown field "weight"`)
}

func TestParseBundleRejectsExtraDocuments(t *testing.T) {
	t.Parallel()
	_, err := ParseBundle([]byte(yamlBundle+"---\n"+yamlBundle), FormatYAML)
	require.ErrorContains(t, err, "more than one document")
	_, err = ParseBundle([]byte(jsonBundle+` {}`), FormatJSON)
	require.ErrorContains(t, err, "unexpected data after the bundle object")
	_, err = ParseBundle(nil, FormatYAML)
	require.ErrorContains(t, err, "empty")
}

func TestValidateNamesPatternAndField(t *testing.T) {
	t.Parallel()
	valid := BundlePattern{ID: "go.ok", Language: "go", Severity: "error", Message: "m", Rule: "r"}
	cases := map[string]struct {
		edit func(p *BundlePattern)
		want string
	}{
		"missing id":      {func(p *BundlePattern) { p.ID = "" }, `patterns[1]: id: is missing`},
		"bad id":          {func(p *BundlePattern) { p.ID = "-x y" }, `patterns[1] (id "-x y"): id: "-x y" is invalid`},
		"bad language":    {func(p *BundlePattern) { p.Language = "Go" }, `patterns[1] (id "go.two"): language: "Go" is invalid`},
		"bad severity":    {func(p *BundlePattern) { p.Severity = "fatal" }, `severity: "fatal" is not one of error, warning, note`},
		"blank message":   {func(p *BundlePattern) { p.Message = "  " }, `patterns[1] (id "go.two"): message: is missing`},
		"control in rule": {func(p *BundlePattern) { p.Rule = "a\x00b" }, `rule: contains a control character`},
		"long rule":       {func(p *BundlePattern) { p.Rule = strings.Repeat("r", MaxRuleSize+1) }, `rule: is 65537 bytes, more than the maximum of 65536`},
		"bad tag":         {func(p *BundlePattern) { p.Tags = []string{"ok", "not ok"} }, `tags[1]: "not ok" is invalid`},
		"duplicate tag":   {func(p *BundlePattern) { p.Tags = []string{"a", "a"} }, `tags[1]: "a" is listed twice`},
		"duplicate id":    {func(p *BundlePattern) { p.ID = "go.ok" }, `patterns[1] (id "go.ok"): id: duplicates patterns[0]`},
		"invalid utf8":    {func(p *BundlePattern) { p.Message = "\xff" }, `message: is not valid UTF-8`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			second := valid
			second.ID = "go.two"
			tc.edit(&second)
			err := Bundle{Patterns: []BundlePattern{valid, second}}.Validate()
			var verr *ValidationError
			require.True(t, errors.As(err, &verr), "want a *ValidationError, got %v", err)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestValidateEmptyBundle(t *testing.T) {
	t.Parallel()
	err := Bundle{}.Validate()
	require.ErrorContains(t, err, "patterns: is empty")
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	err := Bundle{Patterns: []BundlePattern{{ID: "a"}, {ID: "b", Language: "go"}}}.Validate()
	var verr *ValidationError
	require.True(t, errors.As(err, &verr))
	require.Len(t, verr.Problems, 7, "%v", err)
}

func TestReadBundleFileDetectsFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"set.yaml": yamlBundle, "set.yml": yamlBundle, "set.json": jsonBundle,
		"set.txt": jsonBundle, "set": yamlBundle,
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		bundle, err := ReadBundleFile(path)
		require.NoError(t, err, name)
		require.Len(t, bundle.Patterns, 2, name)
	}
	_, err := ReadBundleFile(filepath.Join(dir, "missing.yaml"))
	require.ErrorContains(t, err, "open pattern bundle")
}
