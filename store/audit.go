package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/database"
)

// Audit actions written by the scanner API and the command line.
const (
	AuditTelemetryDropped = "policy.telemetry_dropped"
	AuditTelemetryStored  = "policy.telemetry_stored"
	AuditLearningSkipped  = "policy.learning_skipped"
	AuditLearningQueued   = "policy.learning_queued"
	AuditPolicyChanged    = "policy.changed"
	AuditTokenCreated     = "token.created"
	AuditTokenRevoked     = "token.revoked"
	AuditOrgCreated       = "org.created"
)

// AuditEvent is one row of the audit trail.
type AuditEvent struct {
	ID          uuid.UUID
	OrgID       *uuid.UUID
	Actor       string
	Action      string
	Reason      string
	ServerRunID *uuid.UUID
	Details     map[string]any
	CreatedAt   time.Time
}

// InsertAudit appends e to the audit trail.
func InsertAudit(ctx context.Context, db database.DBTX, e AuditEvent) error {
	details, err := json.Marshal(e.Details)
	if err != nil {
		return fmt.Errorf("encode audit details: %w", err)
	}
	if e.Details == nil {
		details = []byte("{}")
	}
	_, err = db.Exec(ctx,
		`INSERT INTO audit_events (org_id, actor, action, reason, server_run_id, details)
		 VALUES ($1, $2, $3, $4, $5, $6)`,
		e.OrgID, e.Actor, e.Action, e.Reason, e.ServerRunID, details)
	if err != nil {
		return fmt.Errorf("insert audit event %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter narrows ListAudit. Zero fields do not filter.
type AuditFilter struct {
	OrgID       *uuid.UUID
	Action      string
	ServerRunID *uuid.UUID
	Since       time.Time
	Limit       int
}

// ListAudit returns audit events, oldest first. Ids alone do not give that
// order: UUIDv7s made in the same millisecond sort at random.
func ListAudit(ctx context.Context, db database.DBTX, f AuditFilter) ([]AuditEvent, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := db.Query(ctx,
		`SELECT id, org_id, actor, action, reason, server_run_id, details, created_at
		   FROM audit_events
		  WHERE ($1::uuid IS NULL OR org_id = $1)
		    AND ($2 = '' OR action = $2)
		    AND ($3::uuid IS NULL OR server_run_id = $3)
		    AND created_at >= $4
		  ORDER BY created_at, id
		  LIMIT $5`,
		f.OrgID, f.Action, f.ServerRunID, f.Since, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	var events []AuditEvent
	for rows.Next() {
		var e AuditEvent
		if err := rows.Scan(&e.ID, &e.OrgID, &e.Actor, &e.Action, &e.Reason, &e.ServerRunID, &e.Details, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("list audit events: %w", err)
		}
		events = append(events, e)
	}
	return events, rows.Err()
}
