package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/database/embedded"
)

// ownDatabase creates a migrated database of the test's own on the test
// server, for tests that run queue workers: a worker reads every message
// of its queue, so it must not see other tests' messages.
func ownDatabase(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := dbtest.URL(t)
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	name := "cc_reliability_" + hex.EncodeToString(b)
	require.NoError(t, embedded.CreateDatabase(ctx, admin, name))
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	require.NoError(t, database.MigrateUp(u.String()))
	pool, err := database.Open(ctx, u.String(), database.PoolOptions{MaxConns: 8})
	require.NoError(t, err)
	t.Cleanup(func() {
		pool.Close()
		dropDatabase(t, admin, name)
	})
	return pool
}

func dropDatabase(t *testing.T, admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Logf("drop database %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Logf("drop database %s: %v", name, err)
	}
}
