package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/store"
)

// auditListFlags are the raw flag values of audit list.
type auditListFlags struct {
	org    string
	action string
	run    string
	since  string
	limit  int
	output string
}

func newAuditCommand(app *cliApp) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit trail of policy decisions and token, policy, key and installation changes",
	}
	cmd.AddCommand(newAuditListCommand(app))
	return cmd
}

func newAuditListCommand(app *cliApp) *cobra.Command {
	var flags auditListFlags
	cmd := &cobra.Command{
		Use:   "list [--org LOGIN] [--action ACTION] [--run SERVER_RUN_ID] [--since TIME|DURATION] [--limit N] [--output table|json]",
		Short: "List audit events, oldest first",
		Long: "List audit events, oldest first. Filters combine with AND. With --output json each\n" +
			"event is one JSON object per line (JSON Lines), for jq and log tools.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			filter, err := flags.parse(time.Now())
			if err != nil {
				return &usageError{command: "centralcloud audit list", err: err}
			}
			return listAudit(cmd.Context(), app, flags, filter)
		},
	}
	f := cmd.Flags()
	f.StringVar(&flags.org, "org", "", "only events of the org with this GitHub login")
	f.StringVar(&flags.action, "action", "", "only events with this action, e.g. policy.learning_skipped or token.created")
	f.StringVar(&flags.run, "run", "", "only events about this server_run_id")
	f.StringVar(&flags.since, "since", "",
		"only events at or after this time: an RFC 3339 time (2025-06-01T00:00:00Z) or an age back from now (90m, 24h, 7d)")
	f.IntVar(&flags.limit, "limit", 1000, "maximum number of events to print")
	f.StringVar(&flags.output, "output", "table", "output format: table, or json for one JSON object per line")
	return cmd
}

// parse checks the flags that need no database and converts them to a
// filter. The org login is resolved later, against the database.
func (f auditListFlags) parse(now time.Time) (store.AuditFilter, error) {
	var filter store.AuditFilter
	if f.org != "" {
		if err := validateLogin("--org", f.org); err != nil {
			return filter, err
		}
	}
	if f.output != "table" && f.output != "json" {
		return filter, fmt.Errorf("--output %q is invalid: use table or json", f.output)
	}
	if f.limit < 1 {
		return filter, fmt.Errorf("--limit %d is invalid: give a positive maximum number of events", f.limit)
	}
	if f.run != "" {
		id, err := uuid.Parse(f.run)
		if err != nil {
			return filter, fmt.Errorf("--run %q is not a valid server_run_id: give the UUID that POST /scanner/runs returned", f.run)
		}
		filter.ServerRunID = &id
	}
	since, err := parseSince(f.since, now)
	if err != nil {
		return filter, err
	}
	filter.Action = f.action
	filter.Since = since
	// Reading one more event than requested shows whether any were left out.
	filter.Limit = f.limit + 1
	return filter, nil
}

// parseSince reads an RFC 3339 time, or a Go duration or whole number of
// days ("7d") counted back from now. Empty means no lower bound.
func parseSince(value string, now time.Time) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, value); err == nil {
		return t, nil
	}
	age, err := parseAge(value)
	if err != nil {
		return time.Time{}, fmt.Errorf("--since %q is neither an RFC 3339 time such as 2025-06-01T00:00:00Z nor an age such as 24h or 7d", value)
	}
	if age <= 0 {
		return time.Time{}, fmt.Errorf("--since %q is not a positive age: give how far back to look, e.g. 24h", value)
	}
	return now.Add(-age), nil
}

// parseAge reads a Go duration, or a whole number of days such as "7d",
// which Go durations lack.
func parseAge(value string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(value, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(value)
}

func listAudit(ctx context.Context, app *cliApp, flags auditListFlags, filter store.AuditFilter) error {
	pool, err := app.toolDatabase(ctx)
	if err != nil {
		return err
	}
	if flags.org != "" {
		org, err := store.OrgByLogin(ctx, pool, flags.org)
		if err != nil {
			return err
		}
		filter.OrgID = &org.ID
	}

	events, err := store.ListAudit(ctx, pool, filter)
	if err != nil {
		return err
	}
	truncated := len(events) > flags.limit
	if truncated {
		events = events[:flags.limit]
	}
	logins, err := orgLogins(ctx, pool, events)
	if err != nil {
		return err
	}

	if flags.output == "json" {
		err = writeAuditJSON(app.stdout, events, logins)
	} else {
		err = writeAuditTable(app.stdout, events, logins)
	}
	if err != nil {
		return err
	}
	if truncated {
		fmt.Fprintf(app.stderr, "printed the first %d matching events: narrow the filters or raise --limit for more\n", flags.limit)
	}
	return nil
}

// orgLogins maps the org ids of events to their logins.
func orgLogins(ctx context.Context, db database.DBTX, events []store.AuditEvent) (map[uuid.UUID]string, error) {
	logins := map[uuid.UUID]string{}
	for _, e := range events {
		if e.OrgID == nil {
			continue
		}
		if _, ok := logins[*e.OrgID]; ok {
			continue
		}
		org, err := store.OrgByID(ctx, db, *e.OrgID)
		if err != nil {
			return nil, err
		}
		logins[*e.OrgID] = org.Login
	}
	return logins, nil
}
