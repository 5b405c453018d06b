// Command centralcloud is the CentralCloud service and its operator tools:
// the server, the queue workers, migrations, orgs, tokens and policies.
//
// Exit status: 0 on success, 1 on failure with one line on standard error,
// 2 on wrong usage.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(execute(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs the command line args and returns the exit status.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := &cliApp{stdout: stdout, stderr: stderr}
	root := newRootCommand(app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	defer app.close()
	if err == nil {
		return 0
	}
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintf(app.stderr, "centralcloud: %v\n", err)
		fmt.Fprintf(app.stderr, "Run '%s --help' for usage.\n", usage.command)
		return 2
	}
	fmt.Fprintf(app.stderr, "centralcloud: %v\n", err)
	return 1
}

// usageError marks a wrong invocation, which exits with status 2.
type usageError struct {
	command string
	err     error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }
