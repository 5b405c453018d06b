package embedded

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

var majorVersion = regexp.MustCompile(`(?:postgresql/|postgresql@|pgsql-)(\d+)`)

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, pg_ctl) found: " +
	"install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@17), " +
	"set CENTRALCLOUD_DATABASE_POSTGRES_BIN_DIR to the folder that holds them, " +
	"or set CENTRALCLOUD_DATABASE_URL to use an existing server")

// findBinaries returns the folder that holds initdb and pg_ctl. An explicit
// folder wins; then PATH; then the versioned folders that Debian, Ubuntu,
// Homebrew and the PostgreSQL installers use, newest version first.
func findBinaries(explicit string) (string, error) {
	if explicit != "" {
		if hasServerBinaries(explicit) {
			return explicit, nil
		}
		return "", fmt.Errorf("postgres bin dir %q has no initdb and pg_ctl: "+
			"point it at the folder that holds the PostgreSQL server binaries", explicit)
	}
	if path, err := exec.LookPath("pg_ctl"); err == nil {
		dir := filepath.Dir(path)
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	patterns := []string{
		"/usr/lib/postgresql/*/bin",
		"/usr/pgsql-*/bin",
		"/opt/homebrew/opt/postgresql@*/bin",
		"/usr/local/opt/postgresql@*/bin",
		"/usr/local/pgsql/bin",
	}
	var candidates []string
	for _, pattern := range patterns {
		matches, _ := filepath.Glob(pattern)
		candidates = append(candidates, matches...)
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		return versionOf(candidates[i]) > versionOf(candidates[j])
	})
	for _, dir := range candidates {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionOf extracts the major version from a path such as
// /usr/lib/postgresql/15/bin, or 0 when the path names none.
func versionOf(dir string) int {
	match := majorVersion.FindStringSubmatch(dir)
	if match == nil {
		return 0
	}
	v, _ := strconv.Atoi(match[1])
	return v
}
