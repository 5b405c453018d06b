package database

import (
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"
)

func TestUUIDCodecPlans(t *testing.T) {
	t.Parallel()
	m := pgtype.NewMap()
	registerUUIDCodec(m)
	for _, format := range []int16{pgtype.BinaryFormatCode, pgtype.TextFormatCode} {
		require.IsType(t, encodePlanUUID{}, m.PlanEncode(pgtype.UUIDOID, format, uuid.UUID{}), "format %d", format)
		var id uuid.UUID
		require.IsType(t, scanPlanUUID{}, m.PlanScan(pgtype.UUIDOID, format, &id), "format %d", format)
	}
}

func TestUUIDCodecEncodesBytes(t *testing.T) {
	t.Parallel()
	m := pgtype.NewMap()
	registerUUIDCodec(m)
	id := uuid.MustParse("01a24245-3c48-7a8e-88f6-d0e8ce35be5f")

	binary, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, id, nil)
	require.NoError(t, err)
	require.Equal(t, id[:], binary)

	text, err := m.Encode(pgtype.UUIDOID, pgtype.TextFormatCode, id, nil)
	require.NoError(t, err)
	require.Equal(t, id.String(), string(text))

	var scanned uuid.UUID
	require.NoError(t, m.Scan(pgtype.UUIDOID, pgtype.BinaryFormatCode, id[:], &scanned))
	require.Equal(t, id, scanned)
	require.NoError(t, m.Scan(pgtype.UUIDOID, pgtype.TextFormatCode, []byte(id.String()), &scanned))
	require.Equal(t, id, scanned)
}

func TestUUIDCodecNullScansZero(t *testing.T) {
	t.Parallel()
	m := pgtype.NewMap()
	registerUUIDCodec(m)
	scanned := uuid.New()
	require.NoError(t, m.Scan(pgtype.UUIDOID, pgtype.BinaryFormatCode, nil, &scanned))
	require.Equal(t, uuid.Nil, scanned)

	pointer := new(uuid.UUID)
	require.NoError(t, m.Scan(pgtype.UUIDOID, pgtype.BinaryFormatCode, nil, &pointer))
	require.Nil(t, pointer)
}

// BenchmarkEncodeUUID encodes one uuid.UUID parameter through pgx's
// default type map and through one with uuidCodec.
func BenchmarkEncodeUUID(b *testing.B) {
	id := uuid.New()
	withCodec := pgtype.NewMap()
	registerUUIDCodec(withCodec)
	for name, m := range map[string]*pgtype.Map{"default": pgtype.NewMap(), "uuidCodec": withCodec} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64)
			for b.Loop() {
				var err error
				if buf, err = m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, id, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
