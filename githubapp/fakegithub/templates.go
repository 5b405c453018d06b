package fakegithub

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Recorded response bodies under <fixtures>/api that the fake fills in. Each
// response starts as a fresh copy of one of them, so the fields that the fake
// does not model keep GitHub's names, types and nesting.
const (
	templateAccessToken    = "apps-create-installation-access-token.json"
	templateApp            = "apps-get-authenticated.json"
	templateInstallation   = "apps-get-installation.json"
	templateOrgInstall     = "apps-get-org-installation.json"
	templateRepositories   = "apps-list-repos-accessible-to-installation.json"
	templateCheckRun       = "checks-create.completed.json"
	templateAnnotations    = "checks-list-annotations.json"
	templateStatus         = "repos-create-commit-status.json"
	templateCombinedStatus = "repos-get-combined-status-for-ref.octokit-fixtures.json"
	templateValidation     = "error-422-validation-failed.octokit-fixtures.json"
)

var templateNames = []string{
	templateAccessToken, templateApp, templateInstallation, templateOrgInstall,
	templateRepositories, templateCheckRun, templateAnnotations, templateStatus,
	templateCombinedStatus, templateValidation,
}

// object is a decoded JSON object, the form in which templates are filled.
type object = map[string]any

// templates holds the raw bytes of every template, decoded anew for each
// response so that no response shares maps with another.
type templates struct {
	raw map[string][]byte
}

func loadTemplates(fixturesDir string) (*templates, error) {
	t := &templates{raw: make(map[string][]byte, len(templateNames))}
	for _, name := range templateNames {
		path := filepath.Join(fixturesDir, "api", name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("load response template: %w", err)
		}
		var probe any
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, fmt.Errorf("load response template %s: invalid JSON: %w", path, err)
		}
		t.raw[name] = data
	}
	return t, nil
}

// decode returns a fresh copy of the named template. Numbers stay
// json.Number, so ids larger than 2^53 survive.
func (t *templates) decode(name string) any {
	dec := json.NewDecoder(bytes.NewReader(t.raw[name]))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		// loadTemplates decoded the same bytes already.
		panic(fmt.Sprintf("fakegithub: template %s: %v", name, err))
	}
	return v
}

// object returns the named template, which must be a JSON object.
func (t *templates) object(name string) object {
	return t.decode(name).(object)
}

// firstElement returns the first object of the named template, which must be
// a JSON array of objects.
func (t *templates) firstElement(name string) object {
	return t.decode(name).([]any)[0].(object)
}

// rewriteStrings replaces text in every string value below v, in place. It
// moves the URLs of a template from the recorded account or repository to
// the one being rendered.
func rewriteStrings(v any, r *strings.Replacer) any {
	switch value := v.(type) {
	case string:
		return r.Replace(value)
	case object:
		for key, child := range value {
			value[key] = rewriteStrings(child, r)
		}
	case []any:
		for i, child := range value {
			value[i] = rewriteStrings(child, r)
		}
	}
	return v
}

// legacyNodeID builds a GraphQL node id in GitHub's legacy format, the
// base64 of "0<len(type)>:<type><id>", as in the recorded bodies
// ("MDQ6VXNlcjE=" is "04:User1").
func legacyNodeID(typeName string, id int64) string {
	return base64.StdEncoding.EncodeToString(
		fmt.Appendf(nil, "0%d:%s%d", len(typeName), typeName, id))
}
