package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRootCommand(app *cliApp) *cobra.Command {
	root := &cobra.Command{
		Use:   "centralcloud",
		Short: "CentralCloud: the GitHub App backend of a code-scanning ecosystem",
		Long: "CentralCloud registers scanner runs, hands scanners their org's policies and an encrypted\n" +
			"pattern snapshot, stores their results and turns them into GitHub Check Runs.\n\n" +
			"Configuration comes from --config (or CENTRALCLOUD_CONFIG) and CENTRALCLOUD_* variables;\n" +
			"see config.example.yml for every key.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&app.configPath, "config", "",
		"path of the YAML config file (default: $CENTRALCLOUD_CONFIG, else built-in defaults)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{command: commandPath(cmd), err: err}
	})
	root.AddCommand(
		newRunCommand(app), newServeCommand(app), newWorkerCommand(app),
		newMigrateCommand(app), newOrgsCommand(app), newTokensCommand(app),
		newPoliciesCommand(app), newVersionCommand(app),
		newScanCommand(app),
		newHealthcheckCommand(app),
		newAuditCommand(app),
		newQueueCommand(app),
		newPatternsCommand(app), newKeysCommand(app),
		newBenchCommand(app),
	)
	markUsageErrors(root)
	return root
}

// markUsageErrors makes argument-count errors and unknown subcommands exit
// with status 2, like flag errors.
func markUsageErrors(cmd *cobra.Command) {
	if cmd.Args != nil {
		check := cmd.Args
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return &usageError{command: commandPath(c), err: err}
			}
			return nil
		}
	}
	if cmd.HasSubCommands() && cmd.RunE == nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &usageError{command: commandPath(c), err: fmt.Errorf("unknown command %q for %q", args[0], c.CommandPath())}
			}
			return nil
		}
		cmd.RunE = func(c *cobra.Command, _ []string) error {
			return &usageError{command: commandPath(c), err: fmt.Errorf("%s needs a subcommand", c.CommandPath())}
		}
	}
	for _, sub := range cmd.Commands() {
		markUsageErrors(sub)
	}
}

func commandPath(cmd *cobra.Command) string {
	return cmd.CommandPath()
}
