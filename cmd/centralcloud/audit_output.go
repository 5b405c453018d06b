package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/store"
)

// auditRecord is the JSON form of one audit event that audit list prints.
type auditRecord struct {
	ID          uuid.UUID      `json:"id"`
	CreatedAt   time.Time      `json:"created_at"`
	OrgID       *uuid.UUID     `json:"org_id"`
	Org         string         `json:"org"`
	Actor       string         `json:"actor"`
	Action      string         `json:"action"`
	Reason      string         `json:"reason"`
	ServerRunID *uuid.UUID     `json:"server_run_id"`
	Details     map[string]any `json:"details"`
}

// writeAuditJSON writes one JSON object per event and line (JSON Lines).
func writeAuditJSON(w io.Writer, events []store.AuditEvent, logins map[uuid.UUID]string) error {
	enc := json.NewEncoder(w)
	for _, e := range events {
		rec := auditRecord{
			ID: e.ID, CreatedAt: e.CreatedAt.UTC(), OrgID: e.OrgID, Actor: e.Actor, Action: e.Action,
			Reason: e.Reason, ServerRunID: e.ServerRunID, Details: e.Details,
		}
		if e.OrgID != nil {
			rec.Org = logins[*e.OrgID]
		}
		if rec.Details == nil {
			rec.Details = map[string]any{}
		}
		if err := enc.Encode(rec); err != nil {
			return fmt.Errorf("write audit event %s: %w", e.ID, err)
		}
	}
	return nil
}

// writeAuditTable writes an aligned table with the details as compact JSON.
func writeAuditTable(w io.Writer, events []store.AuditEvent, logins map[uuid.UUID]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTION\tORG\tACTOR\tSERVER RUN\tREASON\tDETAILS")
	for _, e := range events {
		org := "-"
		if e.OrgID != nil {
			org = logins[*e.OrgID]
		}
		run := "-"
		if e.ServerRunID != nil {
			run = e.ServerRunID.String()
		}
		details := "-"
		if len(e.Details) > 0 {
			raw, err := json.Marshal(e.Details)
			if err != nil {
				return fmt.Errorf("encode details of audit event %s: %w", e.ID, err)
			}
			details = string(raw)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.CreatedAt.UTC().Format(time.RFC3339), e.Action,
			org, e.Actor, run, dashIfEmpty(e.Reason), details)
	}
	return tw.Flush()
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
