package queue_test

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
	"github.com/centralcloud/centralcloud/database/embedded"
	"github.com/centralcloud/centralcloud/queue"
)

// envPGMQURL names a server that has the pgmq extension. When it is set,
// every backend test also runs against a fresh database there, migrated
// with our migrations, which then use the extension instead of the
// compatibility schema.
const envPGMQURL = "CENTRALCLOUD_TEST_PGMQ_URL"

var extension struct {
	once    sync.Once
	pool    *pgxpool.Pool
	err     error
	cleanup func()
}

// forEachBackend runs fn as a parallel subtest against the package's
// database (normally the compatibility schema) and against real pgmq when
// CENTRALCLOUD_TEST_PGMQ_URL is set.
func forEachBackend(t *testing.T, fn func(t *testing.T, pool *pgxpool.Pool)) {
	t.Run("compat", func(t *testing.T) {
		t.Parallel()
		fn(t, dbtest.Pool(t))
	})
	t.Run("extension", func(t *testing.T) {
		t.Parallel()
		if os.Getenv(envPGMQURL) == "" {
			t.Skipf("%s is not set: set it to a server with the pgmq extension to run against real pgmq", envPGMQURL)
		}
		extension.once.Do(openExtensionBackend)
		require.NoError(t, extension.err)
		fn(t, extension.pool)
	})
}

func openExtensionBackend() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adminURL := os.Getenv(envPGMQURL)
	name := "centralcloud_pgmq_test_" + randomHex(6)
	if extension.err = embedded.CreateDatabase(ctx, adminURL, name); extension.err != nil {
		return
	}
	extension.cleanup = func() { dropDatabase(adminURL, name) }
	u, err := url.Parse(adminURL)
	if err != nil {
		extension.err = fmt.Errorf("invalid %s: %w", envPGMQURL, err)
		return
	}
	u.Path = "/" + name
	if extension.err = database.MigrateUp(u.String()); extension.err != nil {
		return
	}
	extension.pool, extension.err = database.Open(ctx, u.String(), database.PoolOptions{MaxConns: 20})
	if extension.err != nil {
		return
	}
	var installed bool
	extension.err = extension.pool.QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgmq')").Scan(&installed)
	if extension.err == nil && !installed {
		extension.err = fmt.Errorf("%s names a server without the pgmq extension: "+
			"point it at one where pg_available_extensions lists pgmq", envPGMQURL)
	}
}

func closeExtensionBackend() {
	if extension.pool != nil {
		extension.pool.Close()
	}
	if extension.cleanup != nil {
		extension.cleanup()
	}
}

func dropDatabase(adminURL, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
	}
}

// newQueue creates a queue of the test's own. It stays until the test
// database is dropped, because dropping it while another test runs
// metrics_all would fail that call on real pgmq.
func newQueue(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	name := "t_" + randomHex(8)
	require.NoError(t, queue.Create(context.Background(), pool, name))
	return name
}

// newEffectsTable creates a table that handlers write their effect to,
// one row per message key, and returns its quoted name.
func newEffectsTable(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	name := pgx.Identifier{"effects_" + randomHex(8)}.Sanitize()
	_, err := pool.Exec(context.Background(), "CREATE TABLE "+name+" (key text PRIMARY KEY, msg_id bigint NOT NULL)")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), "DROP TABLE "+name)
		require.NoError(t, err)
	})
	return name
}

func countRows(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
	return n
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
