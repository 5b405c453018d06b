package dbtest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestUUIDv7FromPostgres(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	ctx := context.Background()

	var first uuid.UUID
	require.NoError(t, pool.QueryRow(ctx, "SELECT uuid_generate_v7()").Scan(&first))
	time.Sleep(2 * time.Millisecond) // ids from distinct milliseconds must sort by time
	var second uuid.UUID
	var serverNow time.Time
	require.NoError(t, pool.QueryRow(ctx, "SELECT uuid_generate_v7(), now()").Scan(&second, &serverNow))

	require.Equal(t, uuid.Version(7), first.Version())
	require.Equal(t, uuid.RFC4122, first.Variant())
	require.Less(t, first.String(), second.String())
	sec, nsec := second.Time().UnixTime()
	require.WithinDuration(t, serverNow, time.Unix(sec, nsec), 5*time.Second)
}

func TestSchemaMigrated(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	var n int
	err := pool.QueryRow(context.Background(),
		"SELECT count(*) FROM information_schema.tables WHERE table_name IN ('orgs','scanner_runs','findings')").Scan(&n)
	require.NoError(t, err)
	require.Equal(t, 3, n)
}
