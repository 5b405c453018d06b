// Package dbtest gives each test package a freshly migrated Postgres
// database of its own.
//
// The server is the one named by CENTRALCLOUD_TEST_DATABASE_URL, a URL whose
// user may create databases. When it is unset, a throwaway cluster is
// started in a temporary folder from the machine's PostgreSQL binaries and
// removed afterwards. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/database/embedded"
)

// EnvURL names the variable that points the tests at an existing server.
const EnvURL = "CENTRALCLOUD_TEST_DATABASE_URL"

var (
	once     sync.Once
	setupErr error
	pool     *pgxpool.Pool
	dbURL    string
	cleanups []func()
)

// Main runs the package's tests, then drops the package database and stops
// a cluster that the tests started.
func Main(m *testing.M) int {
	code := m.Run()
	if pool != nil {
		pool.Close()
	}
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	return code
}

// Pool returns the package's pool on its migrated database.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	return pool
}

// URL returns the connection URL of the package's migrated database, for
// tests that start processes of their own.
func URL(t testing.TB) string {
	t.Helper()
	Pool(t)
	return dbURL
}

func setup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adminURL := os.Getenv(EnvURL)
	if adminURL == "" {
		adminURL, setupErr = startCluster(ctx)
		if setupErr != nil {
			return
		}
	}
	name := "centralcloud_test_" + randomSuffix()
	if setupErr = embedded.CreateDatabase(ctx, adminURL, name); setupErr != nil {
		return
	}
	cleanups = append(cleanups, func() { dropDatabase(adminURL, name) })
	dbURL, setupErr = withDatabase(adminURL, name)
	if setupErr != nil {
		return
	}
	if setupErr = database.MigrateUp(dbURL); setupErr != nil {
		return
	}
	pool, setupErr = database.Open(ctx, dbURL, database.PoolOptions{MaxConns: 20})
}

// clusterPattern names the temporary folders of throwaway clusters.
const clusterPattern = "centralcloud-test-pg-"

func startCluster(ctx context.Context) (string, error) {
	sweepOrphanClusters(ctx)
	dir, err := os.MkdirTemp("", clusterPattern)
	if err != nil {
		return "", err
	}
	// The server may run as another user when the tests run as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	srv, err := embedded.Start(ctx, embedded.Options{DataDir: dir, Logger: zerolog.Nop()})
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("start a throwaway postgres (or set %s): %w", EnvURL, err)
	}
	cleanups = append(cleanups, func() {
		_ = srv.Stop()
		_ = os.RemoveAll(dir)
	})
	return srv.DatabaseURL("postgres"), nil
}

// sweepOrphanClusters stops and removes throwaway clusters whose test
// process died before its cleanup ran (a killed or timed-out go test), so
// they do not pile up on a CI machine. A cluster whose owner still runs is
// left alone.
func sweepOrphanClusters(ctx context.Context) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), clusterPattern+"*"))
	for _, dir := range dirs {
		// A folder that another package's tests are still setting up has
		// no owner yet, so only old folders without one are swept.
		info, err := os.Stat(dir)
		if err != nil || embedded.OwnerAlive(dir) || time.Since(info.ModTime()) < 10*time.Minute {
			continue
		}
		srv, err := embedded.Start(ctx, embedded.Options{DataDir: dir, Logger: zerolog.Nop(), AdoptOrphan: true, NoCreate: true})
		if err == nil {
			_ = srv.Stop()
		}
		_ = os.RemoveAll(dir)
	}
}

func withDatabase(rawURL, name string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("invalid %s: %w", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func dropDatabase(adminURL, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: drop database %s: %v\n", name, err)
		return
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	if err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: drop database %s: %v\n", name, err)
	}
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
