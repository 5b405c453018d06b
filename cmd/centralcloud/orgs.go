package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/store"
)

func newOrgsCommand(app *cliApp) *cobra.Command {
	cmd := &cobra.Command{Use: "orgs", Short: "Create and list orgs (the tenants)"}
	var login string
	create := &cobra.Command{
		Use:   "create --login LOGIN",
		Short: "Create an org that scanners can use with org tokens; an existing login is not an error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateLogin("--login", login); err != nil {
				return &usageError{command: "centralcloud orgs create", err: err}
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			org, created, err := store.CreateOrg(cmd.Context(), pool, login)
			if err != nil {
				return err
			}
			if created {
				err = store.InsertAudit(cmd.Context(), pool, store.AuditEvent{
					OrgID: &org.ID, Actor: "cli", Action: store.AuditOrgCreated, Reason: "orgs create",
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(app.stderr, "created org %s (id %s)\n", org.Login, org.ID)
			} else {
				fmt.Fprintf(app.stderr, "org %s already exists (id %s)\n", org.Login, org.ID)
			}
			fmt.Fprintln(app.stdout, org.ID)
			return nil
		},
	}
	create.Flags().StringVar(&login, "login", "", "GitHub login of the organisation (required)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List orgs with their installation status",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			orgs, err := store.ListOrgs(cmd.Context(), pool)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(app.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLOGIN\tINSTALLATION\tCREATED")
			for _, o := range orgs {
				status := o.InstallationStatus
				if status == "" {
					status = "none"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Login, status, o.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}

// validateLogin checks the value of flag as a GitHub org login.
func validateLogin(flag, login string) error {
	if login == "" {
		return fmt.Errorf("%s is required: give the org's GitHub login", flag)
	}
	if len(login) > 39 || !loginPattern.MatchString(login) {
		return fmt.Errorf("%s %q is not a GitHub login: use 1-39 letters, digits or single hyphens", flag, login)
	}
	return nil
}
