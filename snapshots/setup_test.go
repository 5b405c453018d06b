package snapshots

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/database/dbtest"
)

func TestMain(m *testing.M) {
	code := dbtest.Main(m)
	dropDatabases()
	os.Exit(code)
}

// Tests that publish need a database of their own, because the current
// snapshot is a single row per database. Creating and dropping a database
// takes seconds on a busy server, so each test borrows one from a set that
// grows to the number of tests running at once, emptied before reuse, and
// dropped after the last test.
var (
	databasesMu sync.Mutex
	packageURL  string
	idle        []string
	created     []string
)

// freshDatabase lends the test an empty migrated database of its own.
func freshDatabase(t *testing.T) string {
	t.Helper()
	base := dbtest.URL(t)
	databasesMu.Lock()
	if packageURL == "" {
		// The package database is the first one to lend.
		packageURL, idle = base, append(idle, base)
	}
	var url string
	if n := len(idle); n > 0 {
		url, idle = idle[n-1], idle[:n-1]
	}
	databasesMu.Unlock()
	if url == "" {
		url = createDatabase(t, base)
	}
	require.NoError(t, emptyDatabase(url))
	t.Cleanup(func() {
		databasesMu.Lock()
		idle = append(idle, url)
		databasesMu.Unlock()
	})
	return url
}

func createDatabase(t *testing.T, base string) string {
	t.Helper()
	name := "cc_snapshots_" + randomHex(6)
	require.NoError(t, execAdmin(base, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()))
	databasesMu.Lock()
	created = append(created, name)
	databasesMu.Unlock()
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	require.NoError(t, database.MigrateUp(u.String()))
	return u.String()
}

// emptyDatabase removes what an earlier test stored.
func emptyDatabase(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
		TRUNCATE snapshot_current, snapshots, pattern_sets, data_key_wraps, data_keys, retired_keys,
			learning_pattern_aggregates;
		DROP TABLE IF EXISTS test_pattern_weights;
		SELECT pgmq.purge_queue('centralcloud_patterns_sync');`)
	return err
}

// dropDatabases drops the databases created for lending after the tests.
// dbtest.Main has dropped the package database by then, so the drops go
// through the server that dbtest.EnvURL names. Without one, the tests ran
// on a throwaway cluster that dbtest.Main has removed with everything in it.
func dropDatabases() {
	server := os.Getenv(dbtest.EnvURL)
	if server == "" {
		return
	}
	for _, name := range created {
		if err := execAdmin(server, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "snapshots tests: drop database %s: %v\n", name, err)
		}
	}
}

func execAdmin(base, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// openPool opens a pool on url that closes when the test ends.
func openPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := database.Open(context.Background(), url, database.PoolOptions{MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// testKey returns a new inline key entry and its id.
func testKey(t *testing.T) (id, entry string) {
	t.Helper()
	id, entry, err := GenerateKey(time.Now())
	require.NoError(t, err)
	return id, entry
}

// testKeyring returns a keyring of the given inline entries, active first.
func testKeyring(t *testing.T, active string, entries ...string) *Keyring {
	t.Helper()
	k, err := LoadKeyring(KeyringOptions{Keys: entries, ActiveKeyID: active})
	require.NoError(t, err)
	return k
}

// env is one service instance on its own database.
type env struct {
	url     string
	pool    *pgxpool.Pool
	keyring *Keyring
	syncer  *Syncer
	cache   *Cache
}

// setup returns a service instance on a fresh database with one key.
func setup(t *testing.T) *env {
	t.Helper()
	url := freshDatabase(t)
	id, entry := testKey(t)
	keyring := testKeyring(t, id, entry)
	pool := openPool(t, url)
	return &env{
		url: url, pool: pool, keyring: keyring,
		syncer: NewSyncer(pool, keyring, SyncerOptions{}),
		cache:  NewCache(pool, keyring, CacheOptions{}),
	}
}

// sampleBundle returns a valid bundle of n patterns.
func sampleBundle(n int) Bundle {
	b := Bundle{}
	for i := range n {
		b.Patterns = append(b.Patterns, BundlePattern{
			ID:       "go.sample-" + string(rune('a'+i%26)) + "-" + hex.EncodeToString([]byte{byte(i >> 8), byte(i)}),
			Language: "go", Severity: "warning",
			Message: "Sample pattern <" + hex.EncodeToString([]byte{byte(i)}) + ">",
			Rule:    "call(name: \"exec\") & arg(0: tainted)", Tags: []string{"security", "cwe-78"},
		})
	}
	return b
}

// publishAndSync publishes bundle and builds its snapshot.
func (e *env) publishAndSync(t *testing.T, bundle Bundle) SyncResult {
	t.Helper()
	ctx := context.Background()
	_, err := Publish(ctx, e.pool, e.keyring, bundle, PublishOptions{PublishedBy: "test"})
	require.NoError(t, err)
	result, err := e.syncer.Sync(ctx)
	require.NoError(t, err)
	return result
}
