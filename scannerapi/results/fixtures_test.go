package results

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// sarifFixtureDir returns the folder of recorded SARIF logs. It walks up from
// the package folder to the module root (the folder with go.mod) and then on
// up, looking for shared/fixtures/sarif beside the checkout: the main
// checkout has it at ../shared, a worktree further up.
func sarifFixtureDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the package folder")
		dir = parent
	}
	for {
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no shared/fixtures/sarif beside the module root or above it")
		dir = parent
		candidate := filepath.Join(dir, "shared", "fixtures", "sarif")
		if fileExists(candidate) {
			return candidate
		}
	}
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// readFixture returns the bytes of one recorded SARIF log.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sarifFixtureDir(t), name))
	require.NoError(t, err)
	return data
}

// parseFixture parses one recorded SARIF log with the default limits.
func parseFixture(t testing.TB, name string) *Results {
	t.Helper()
	parsed, err := Parse(readFixture(t, name), Limits{})
	require.NoError(t, err)
	require.Equal(t, FormatSARIF, parsed.Format)
	return parsed
}

// fixtureFiles lists the recorded SARIF logs (every file but SOURCES.md).
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(sarifFixtureDir(t), "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for i, name := range names {
		names[i] = filepath.Base(name)
	}
	return names
}
