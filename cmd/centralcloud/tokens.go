package main

import (
	"fmt"
	"regexp"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/store"
)

var loginPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9])*$`)

func newTokensCommand(app *cliApp) *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Create, list and revoke org API tokens"}
	cmd.AddCommand(newTokensCreateCommand(app), newTokensListCommand(app), newTokensRevokeCommand(app))
	return cmd
}

func newTokensCreateCommand(app *cliApp) *cobra.Command {
	var login, name string
	var expires time.Duration
	cmd := &cobra.Command{
		Use:   "create --org LOGIN [--name NAME] [--expires DURATION]",
		Short: "Create an org token and print it alone on standard output; it is shown only once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateLogin("--org", login); err != nil {
				return &usageError{command: "centralcloud tokens create", err: err}
			}
			if expires < 0 {
				return &usageError{command: "centralcloud tokens create", err: fmt.Errorf("--expires %s is negative: give a positive duration such as 720h", expires)}
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			org, err := store.OrgByLogin(cmd.Context(), pool, login)
			if err != nil {
				return fmt.Errorf("%w: create it first with centralcloud orgs create --login %s", err, login)
			}
			var expiresAt *time.Time
			if expires > 0 {
				t := time.Now().Add(expires).UTC()
				expiresAt = &t
			}
			token, rec, err := store.CreateToken(cmd.Context(), pool, org.ID, name, expiresAt)
			if err != nil {
				return err
			}
			err = store.InsertAudit(cmd.Context(), pool, store.AuditEvent{
				OrgID: &org.ID, Actor: "cli", Action: store.AuditTokenCreated, Reason: "tokens create",
				Details: map[string]any{"token_id": rec.ID.String(), "name": name, "expires_at": expiresAt},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(app.stderr, "created token %s for org %s (expires: %s); store it now, it is not shown again\n",
				rec.ID, org.Login, formatTime(expiresAt))
			fmt.Fprintln(app.stdout, token)
			return nil
		},
	}
	cmd.Flags().StringVar(&login, "org", "", "login of the org the token acts for (required)")
	cmd.Flags().StringVar(&name, "name", "", "label to tell tokens apart, e.g. the CI system that uses it")
	cmd.Flags().DurationVar(&expires, "expires", 0, "lifetime from now, as a Go duration such as 720h (30 days); 0 never expires")
	return cmd
}

func newTokensListCommand(app *cliApp) *cobra.Command {
	var login string
	cmd := &cobra.Command{
		Use:   "list --org LOGIN",
		Short: "List an org's tokens (never the token values)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateLogin("--org", login); err != nil {
				return &usageError{command: "centralcloud tokens list", err: err}
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			org, err := store.OrgByLogin(cmd.Context(), pool, login)
			if err != nil {
				return err
			}
			tokens, err := store.ListTokens(cmd.Context(), pool, org.ID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(app.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED\tEXPIRES\tREVOKED\tLAST USED")
			for _, t := range tokens {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, formatTime(&t.CreatedAt),
					formatTime(t.ExpiresAt), formatTime(t.RevokedAt), formatTime(t.LastUsedAt))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&login, "org", "", "login of the org (required)")
	return cmd
}

func newTokensRevokeCommand(app *cliApp) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token by the id that tokens list shows; requests with it then get 401",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := uuid.Parse(args[0])
			if err != nil {
				return &usageError{command: "centralcloud tokens revoke", err: fmt.Errorf("ID %q is not a token id: copy it from centralcloud tokens list", args[0])}
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			t, err := store.RevokeToken(cmd.Context(), pool, id)
			if err != nil {
				return err
			}
			err = store.InsertAudit(cmd.Context(), pool, store.AuditEvent{
				OrgID: &t.OrgID, Actor: "cli", Action: store.AuditTokenRevoked, Reason: "tokens revoke",
				Details: map[string]any{"token_id": t.ID.String()},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(app.stderr, "revoked token %s at %s\n", t.ID, formatTime(t.RevokedAt))
			return nil
		},
	}
}

func formatTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
