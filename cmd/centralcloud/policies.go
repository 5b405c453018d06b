package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/store"
)

func newPoliciesCommand(app *cliApp) *cobra.Command {
	cmd := &cobra.Command{Use: "policies", Short: "Show and change an org's policies"}
	var getLogin, setLogin string
	get := &cobra.Command{
		Use:   "get --org LOGIN",
		Short: "Print the org's effective policies as JSON (its settings over the configured defaults)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateLogin("--org", getLogin); err != nil {
				return &usageError{command: "centralcloud policies get", err: err}
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			org, err := store.OrgByLogin(cmd.Context(), pool, getLogin)
			if err != nil {
				return err
			}
			policy, err := store.EffectivePolicy(cmd.Context(), pool, org.ID, app.policyDefaults())
			if err != nil {
				return err
			}
			enc := json.NewEncoder(app.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(policy)
		},
	}
	get.Flags().StringVar(&getLogin, "org", "", "login of the org (required)")
	set := &cobra.Command{
		Use:   "set --org LOGIN KEY=VALUE...",
		Short: "Set policies; VALUE 'default' returns a key to the configured default",
		Long: "Set one or more policies of an org. Keys:\n" + policyKeyHelp() +
			"\nEach change is recorded as an audit event.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validateLogin("--org", setLogin); err != nil {
				return &usageError{command: "centralcloud policies set", err: err}
			}
			settings := map[string]string{}
			for _, arg := range args {
				key, value, ok := strings.Cut(arg, "=")
				if !ok || key == "" {
					return &usageError{command: "centralcloud policies set", err: fmt.Errorf("%q is not KEY=VALUE, e.g. learning_enabled=false", arg)}
				}
				settings[key] = value
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			org, err := store.OrgByLogin(cmd.Context(), pool, setLogin)
			if err != nil {
				return err
			}
			tx, err := pool.Begin(cmd.Context())
			if err != nil {
				return err
			}
			defer tx.Rollback(cmd.Context())
			if err := store.SetPolicies(cmd.Context(), tx, org.ID, "cli", settings); err != nil {
				return err
			}
			if err := tx.Commit(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(app.stderr, "updated %d policies of org %s\n", len(settings), org.Login)
			return nil
		},
	}
	set.Flags().StringVar(&setLogin, "org", "", "login of the org (required)")
	cmd.AddCommand(get, set)
	return cmd
}

func policyKeyHelp() string {
	keys := make([]string, 0, len(store.PolicyKeys))
	for k := range store.PolicyKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-18s %s\n", k, store.PolicyKeys[k])
	}
	return b.String()
}
