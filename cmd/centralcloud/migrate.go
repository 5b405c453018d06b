package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/database"
)

func newMigrateCommand(app *cliApp) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, revert or show the database schema migrations",
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "up",
			Short: "Apply every pending migration",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return withMigrator(cmd, app, func(m *database.Migrator) error {
					if err := m.Up(); err != nil {
						return err
					}
					return printVersion(app, m)
				})
			},
		},
		&cobra.Command{
			Use:   "down [STEPS]",
			Short: "Revert STEPS migrations (default 1); for development only, production is forward-only",
			Args:  cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				steps := 1
				if len(args) == 1 {
					n, err := strconv.Atoi(args[0])
					if err != nil || n < 1 {
						return &usageError{command: "centralcloud migrate down", err: fmt.Errorf("STEPS %q is not a positive whole number", args[0])}
					}
					steps = n
				}
				return withMigrator(cmd, app, func(m *database.Migrator) error {
					if err := m.Down(steps); err != nil {
						return err
					}
					return printVersion(app, m)
				})
			},
		},
		&cobra.Command{
			Use:   "version",
			Short: "Print the applied schema version and the version this build expects",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return withMigrator(cmd, app, func(m *database.Migrator) error { return printVersion(app, m) })
			},
		},
	)
	return cmd
}

func withMigrator(cmd *cobra.Command, app *cliApp, fn func(*database.Migrator) error) error {
	url, err := app.databaseURL(cmd.Context())
	if err != nil {
		return err
	}
	m, err := database.NewMigrator(url)
	if err != nil {
		return err
	}
	defer m.Close()
	return fn(m)
}

func printVersion(app *cliApp, m *database.Migrator) error {
	version, dirty, err := m.Version()
	if err != nil {
		return err
	}
	expected, err := database.ExpectedVersion()
	if err != nil {
		return err
	}
	fmt.Fprintf(app.stdout, "version %d (this build expects %d)", version, expected)
	if dirty {
		fmt.Fprint(app.stdout, " dirty: a migration failed; fix the cause, then force the version with golang-migrate")
	}
	fmt.Fprintln(app.stdout)
	return nil
}
