// Package testfixtures finds the recorded test data (SARIF logs, GitHub
// webhook payloads and API bodies) that is checked out as shared/fixtures
// beside the repository.
package testfixtures

import (
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot returns the nearest directory above the working directory that
// contains go.mod. Go runs tests in their package directory, so that is the
// repository root.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("find module root: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Dir returns the shared/fixtures directory beside the module root or
// beside one of its parents, so a git worktree nested below the main
// checkout finds it too.
func Dir(t testing.TB) string {
	t.Helper()
	root := ModuleRoot(t)
	for dir := filepath.Dir(root); ; dir = filepath.Dir(dir) {
		fixtures := filepath.Join(dir, "shared", "fixtures")
		if info, err := os.Stat(fixtures); err == nil && info.IsDir() {
			return fixtures
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("find fixtures: no shared/fixtures beside %s or its parents: check out shared/ beside the repository", root)
		}
	}
}

// Path returns the path of a fixture, relative to shared/fixtures, such as
// "sarif/semgrep-nosemgrep-suppressed.sarif.json".
func Path(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(Dir(t), filepath.FromSlash(rel))
}

// Read returns the bytes of a fixture, relative to shared/fixtures.
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(Path(t, rel))
	if err != nil {
		t.Fatalf("read fixture %s: %v", rel, err)
	}
	return data
}
