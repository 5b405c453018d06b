package fakegithub

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultFixturesDir finds the recorded GitHub fixtures, shared/fixtures/github
// beside the repository checkout. It walks up from the working directory to
// the module root (the directory with go.mod). Then it looks for
// shared/fixtures/github beside the module root and beside each of its
// parents, so a git worktree nested deeper than the main checkout finds it too.
func DefaultFixturesDir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	for dir := filepath.Dir(root); ; dir = filepath.Dir(dir) {
		fixtures := filepath.Join(dir, "shared", "fixtures", "github")
		if info, err := os.Stat(fixtures); err == nil && info.IsDir() {
			return fixtures, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("find fixtures: no shared/fixtures/github beside %s or its parents; "+
				"check out shared/ beside the repository or set the fixtures directory explicitly", root)
		}
	}
}

// moduleRoot returns the nearest directory above the working directory that
// contains go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find fixtures: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find fixtures: no go.mod above the working directory; " +
				"run inside the module or set the fixtures directory explicitly")
		}
		dir = parent
	}
}
