package database_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/database/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestPoolRoundTripsUUIDs(t *testing.T) {
	t.Parallel()
	pool, ctx := dbtest.Pool(t), context.Background()

	var generated uuid.UUID
	var text string
	require.NoError(t, pool.QueryRow(ctx, `SELECT id, id::text FROM (SELECT uuid_generate_v7() AS id) g`).Scan(&generated, &text))
	require.Equal(t, text, generated.String())
	require.Equal(t, uuid.Version(7), generated.Version())

	var echoed string
	require.NoError(t, pool.QueryRow(ctx, `SELECT $1::uuid::text`, generated).Scan(&echoed))
	require.Equal(t, generated.String(), echoed)

	var isNull bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT $1::uuid IS NULL`, (*uuid.UUID)(nil)).Scan(&isNull))
	require.True(t, isNull)
	require.NoError(t, pool.QueryRow(ctx, `SELECT $1::uuid IS NULL`, &generated).Scan(&isNull))
	require.False(t, isNull)

	var missing *uuid.UUID
	require.NoError(t, pool.QueryRow(ctx, `SELECT NULL::uuid`).Scan(&missing))
	require.Nil(t, missing)
}

func TestPoolRoundTripsUUIDArrays(t *testing.T) {
	t.Parallel()
	pool, ctx := dbtest.Pool(t), context.Background()
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}

	var found int
	require.NoError(t, pool.QueryRow(ctx,
		`SELECT count(*) FROM unnest($1::uuid[]) AS u(id) WHERE id = ANY($2)`, ids, ids[1:]).Scan(&found))
	require.Equal(t, 2, found)

	var back []uuid.UUID
	require.NoError(t, pool.QueryRow(ctx, `SELECT $1::uuid[]`, ids).Scan(&back))
	require.Equal(t, ids, back)
}
