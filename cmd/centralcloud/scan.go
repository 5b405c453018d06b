package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"

	"github.com/spf13/cobra"
)

// envScanToken is read when --token is not given, so the token stays out
// of process listings and shell history.
const envScanToken = "CENTRALCLOUD_SCAN_TOKEN"

// scanOptions are the flags of centralcloud scan.
type scanOptions struct {
	server      string
	token       string
	owner       string
	repo        string
	commit      string
	localRunID  string
	ref         string
	pullRequest int
	sarif       []string
	findings    string
	metrics     string
	stateDir    string
	batchSize   int
}

func newScanCommand(app *cliApp) *cobra.Command {
	var opts scanOptions
	cmd := &cobra.Command{
		Use:   "scan --server URL --owner OWNER --repo NAME --commit SHA (--sarif FILE... | --findings FILE)",
		Short: "Post a scanner's results to CentralCloud and exit 1 when the run is blocked",
		Long: "Register a scanner run, bring the pattern snapshot up to date, post the results\n" +
			"(SARIF 2.1.0 logs or native findings) and print the run's conclusion. The exit status\n" +
			"is 1 when the conclusion is failure (a finding at or above the org's fail_on severity),\n" +
			"so CI can gate on it, and 0 otherwise. The token comes from --token or " + envScanToken + ".",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.token == "" {
				opts.token = os.Getenv(envScanToken)
			}
			if err := opts.validate(); err != nil {
				return &usageError{command: "centralcloud scan", err: err}
			}
			return runScan(cmd.Context(), app, opts)
		},
	}

	flags := cmd.Flags()
	flags.StringVar(&opts.server, "server", "", "base URL of the CentralCloud service, e.g. https://centralcloud.example.com (required)")
	flags.StringVar(&opts.token, "token", "", "org token (cct_…) or GitHub App installation token (ghs_…); default $"+envScanToken)
	flags.StringVar(&opts.owner, "owner", "", "owner of the repository: the org or user login (required)")
	flags.StringVar(&opts.repo, "repo", "", "name of the repository (required)")
	flags.StringVar(&opts.commit, "commit", "", "full 40- or 64-character hex id of the scanned commit (required)")
	flags.StringVar(&opts.localRunID, "local-run-id", "",
		"the scanner's id for this run; default derived from the repository, commit and results, so a rerun reuses the run")
	flags.StringVar(&opts.ref, "ref", "", "Git ref that was scanned, e.g. refs/pull/7/head")
	flags.IntVar(&opts.pullRequest, "pull-request", 0, "number of the pull request that was scanned; 0 for none")
	flags.StringArrayVar(&opts.sarif, "sarif", nil, "SARIF 2.1.0 log to post; repeat the flag for several logs")
	flags.StringVar(&opts.findings, "findings", "", `JSON file of native results: {"findings": [...], "summary": "..."}`)
	flags.StringVar(&opts.metrics, "metrics", "",
		"JSON file with an object of scanner metrics for the final event, stored when the org's telemetry_enabled is true; "+
			"default the number of results files and the client version")
	flags.StringVar(&opts.stateDir, "state-dir", "",
		"directory that keeps the client key and the last pattern snapshot with its ETag between runs; empty keeps nothing")
	flags.IntVar(&opts.batchSize, "batch-size", 1000,
		"maximum native findings per event, and SARIF results per event when a log is too large to send whole")
	return cmd
}

var commitPattern = regexp.MustCompile(`^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`)

// validate returns the first wrong flag, as one line for standard error.
func (o *scanOptions) validate() error {
	var errs []error
	if u, err := url.Parse(o.server); o.server == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--server %q is not an absolute http or https URL: give the service's base URL", o.server))
	}
	if o.token == "" {
		errs = append(errs, fmt.Errorf("missing token: pass --token or set %s", envScanToken))
	}
	if err := validateLogin("--owner", o.owner); err != nil {
		errs = append(errs, err)
	}
	if o.repo == "" {
		errs = append(errs, errors.New("--repo is missing: give the repository name"))
	}
	if !commitPattern.MatchString(o.commit) {
		errs = append(errs, fmt.Errorf("--commit %q is not a commit id: give the full 40- or 64-character hex id", o.commit))
	}
	if len(o.sarif) == 0 && o.findings == "" {
		errs = append(errs, errors.New("no results: pass --sarif FILE (repeatable) or --findings FILE"))
	}
	if o.pullRequest < 0 {
		errs = append(errs, fmt.Errorf("--pull-request %d is negative: give the pull request number or leave it out", o.pullRequest))
	}
	if o.batchSize < 1 {
		errs = append(errs, fmt.Errorf("--batch-size %d is below 1: give a positive number of findings", o.batchSize))
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}
