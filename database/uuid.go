package database

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// uuidCodec is pgx's UUID codec that also encodes uuid.UUID values and
// scans into *uuid.UUID as 16 raw bytes. Without it, pgx v5.13 finds only
// uuid.UUID's driver.Valuer and sql.Scanner methods. Then every parameter
// is formatted as text, fails a binary encode that builds an error with
// fmt, and is parsed back, and every scanned id goes through its text
// form. Every id in CentralCloud is a UUID, and BenchmarkEncodeUUID puts
// one parameter at about 1.5 µs and 20 allocations that way, against
// under 0.1 µs and 2 allocations with this codec.
type uuidCodec struct {
	pgtype.UUIDCodec
}

// registerUUIDCodec replaces the uuid type of m with uuidCodec.
func registerUUIDCodec(m *pgtype.Map) {
	m.RegisterType(&pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}})
}

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(uuid.UUID); ok {
		if next := c.UUIDCodec.PlanEncode(m, oid, format, pgtype.UUID{}); next != nil {
			return encodePlanUUID{next: next}
		}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok {
		if next := c.UUIDCodec.PlanScan(m, oid, format, &pgtype.UUID{}); next != nil {
			return scanPlanUUID{next: next}
		}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

type encodePlanUUID struct {
	next pgtype.EncodePlan
}

func (p encodePlanUUID) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgtype.UUID{Bytes: value.(uuid.UUID), Valid: true}, buf)
}

type scanPlanUUID struct {
	next pgtype.ScanPlan
}

// Scan stores the id in target. A NULL stores the zero UUID, where
// uuid.UUID's own Scan method would leave target unchanged, so scan into
// **uuid.UUID to tell NULL apart.
func (p scanPlanUUID) Scan(src []byte, target any) error {
	var id pgtype.UUID
	if err := p.next.Scan(src, &id); err != nil {
		return err
	}
	*target.(*uuid.UUID) = id.Bytes
	return nil
}
