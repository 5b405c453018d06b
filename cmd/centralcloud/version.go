package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCommand(app *cliApp) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the CentralCloud version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(app.stdout, "centralcloud %s (%s)\n", version, runtime.Version())
			return nil
		},
	}
}
