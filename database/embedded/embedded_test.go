package embedded

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

func tempDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "centralcloud-embedded-test-")
	require.NoError(t, err)
	// The server may run as another user when the tests run as root.
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func TestStartKeepsDataBetweenRuns(t *testing.T) {
	t.Parallel()
	if _, err := findBinaries(""); err != nil {
		t.Skip("no PostgreSQL binaries on this machine: ", err)
	}
	ctx := context.Background()
	dir := tempDataDir(t)
	srv, err := Start(ctx, Options{DataDir: dir, Logger: zerolog.Nop()})
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, srv.URL())
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)`)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	// A second process on the same folder while the first runs uses the
	// same server and leaves it running on Stop.
	other, err := Start(ctx, Options{DataDir: dir, Logger: zerolog.Nop()})
	require.NoError(t, err)
	require.Equal(t, srv.Port(), other.Port())
	require.NoError(t, other.Stop())
	conn, err = pgx.Connect(ctx, srv.URL())
	require.NoError(t, err, "the owner's server must still run")
	require.NoError(t, conn.Close(ctx))
	require.NoError(t, srv.Stop())

	again, err := Start(ctx, Options{DataDir: dir, Logger: zerolog.Nop()})
	require.NoError(t, err)
	defer again.Stop()
	conn, err = pgx.Connect(ctx, again.URL())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var v int
	require.NoError(t, conn.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v))
	require.Equal(t, 7, v)
}

func TestMissingBinariesSaysHowToInstall(t *testing.T) {
	t.Parallel()
	_, err := Start(context.Background(), Options{DataDir: tempDataDir(t), BinDir: t.TempDir(), Logger: zerolog.Nop()})
	require.ErrorContains(t, err, "initdb")
	require.ErrorContains(t, err, "PostgreSQL server binaries")
}

func TestVersionOfPath(t *testing.T) {
	t.Parallel()
	require.Equal(t, 15, versionOf("/usr/lib/postgresql/15/bin"))
	require.Equal(t, 17, versionOf("/opt/homebrew/opt/postgresql@17/bin"))
	require.Equal(t, 16, versionOf("/usr/pgsql-16/bin"))
	require.Equal(t, 0, versionOf(filepath.Join("/usr", "local", "bin")))
}
