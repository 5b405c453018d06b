package results

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/internal/fixtures"
)

// sarifFixtureDir returns the folder of recorded SARIF logs.
func sarifFixtureDir(t testing.TB) string {
	t.Helper()
	dir, err := fixtures.Dir("sarif")
	require.NoError(t, err)
	return dir
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
