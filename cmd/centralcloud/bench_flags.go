package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/pflag"

	"github.com/centralcloud/centralcloud/bench"
)

// maxChecksRate bounds --checks-rate, because the checks pipeline keeps up
// to twice its rate of runs in flight, each on a goroutine of its own.
const maxChecksRate = 1000

// validate checks the flags' values and combinations before anything
// starts. Every error is a usage error that names the flag.
func (f *benchFlags) validate(fl *pflag.FlagSet) error {
	var errs []error
	if err := f.validateLoad(fl); err != nil {
		errs = append(errs, err)
	}
	if f.server != "" {
		errs = append(errs, f.validateServerMode(fl)...)
	} else {
		errs = append(errs, f.validateOwnMode(fl)...)
	}
	if err := errors.Join(errs...); err != nil {
		return &usageError{command: "centralcloud bench", err: err}
	}
	return nil
}

func (f *benchFlags) validateLoad(fl *pflag.FlagSet) error {
	var errs []error
	o := f.opts
	if o.Requests < 1 {
		errs = append(errs, fmt.Errorf("--requests %d is invalid: use 1 or more", o.Requests))
	}
	if o.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("--concurrency %d is invalid: use 1 or more", o.Concurrency))
	}
	if o.Duration <= 0 {
		errs = append(errs, fmt.Errorf("--duration %s is invalid: use a positive duration, e.g. 10s", o.Duration))
	}
	if !finiteNonNegative(o.WebhookRate) {
		errs = append(errs, fmt.Errorf("--webhook-rate %v is invalid: use 0 (skip) or a number of deliveries per second", o.WebhookRate))
	}
	if !finiteNonNegative(o.ChecksRate) || o.ChecksRate > maxChecksRate {
		errs = append(errs, fmt.Errorf("--checks-rate %v is invalid: use 0 (skip) up to %d runs per second", o.ChecksRate, maxChecksRate))
	}
	if fl.Changed("only") && len(o.Only) == 0 {
		errs = append(errs, fmt.Errorf("--only is empty: name one or more of %s, or leave it out to run all", strings.Join(bench.Groups, ", ")))
	}
	for _, group := range o.Only {
		if !slices.Contains(bench.Groups, group) {
			errs = append(errs, fmt.Errorf("unknown scenario group %q in --only: use %s", group, strings.Join(bench.Groups, ", ")))
		}
	}
	return errors.Join(errs...)
}

func finiteNonNegative(v float64) bool {
	return v >= 0 && !math.IsInf(v, 1) && !math.IsNaN(v)
}

// validateServerMode checks the flags of a run against a running service.
func (f *benchFlags) validateServerMode(fl *pflag.FlagSet) []error {
	var errs []error
	if f.token == "" || f.owner == "" {
		errs = append(errs, fmt.Errorf("--server needs --token and --owner"))
	}
	if err := loopbackURL(f.server); err != nil {
		errs = append(errs, err)
	}
	for _, name := range []string{"scratch-database", "serve-cpuprofile"} {
		if fl.Changed(name) {
			errs = append(errs, fmt.Errorf("--%s applies only to the service that the bench starts: leave it out with --server", name))
		}
	}
	if f.pid != 0 {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/status", f.pid)); err != nil {
			errs = append(errs, fmt.Errorf("--pid %d names no running process: give the service's process id", f.pid))
		}
	}
	if f.databaseURL != "" {
		if _, err := pgx.ParseConfig(f.databaseURL); err != nil {
			errs = append(errs, fmt.Errorf("--database-url is not a PostgreSQL URL: use postgres://user@host:port/dbname"))
		}
	}
	return errs
}

// validateOwnMode checks the flags of a run against the service that the
// bench starts.
func (f *benchFlags) validateOwnMode(fl *pflag.FlagSet) []error {
	var errs []error
	for _, name := range []string{"token", "owner", "webhook-secret", "database-url", "pid"} {
		if fl.Changed(name) {
			errs = append(errs, fmt.Errorf("--%s applies only with --server: leave it out, or name the service with --server", name))
		}
	}
	if f.scratchURL != "" {
		if _, err := pgx.ParseConfig(f.scratchURL); err != nil {
			errs = append(errs, fmt.Errorf("--scratch-database is not a PostgreSQL URL: use postgres://user@host:port/dbname"))
		}
	}
	return errs
}

// loopbackURL checks that raw is an http or https URL of a loopback host,
// because the bench measures its limits on this machine and must not load
// another one by mistake.
func loopbackURL(raw string) error {
	u, ok := parseHTTPURL(raw)
	if !ok {
		return fmt.Errorf("--server %q is not an http URL: use one like http://127.0.0.1:8080", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--server %q is not on loopback: the bench drives a service on this machine, e.g. http://127.0.0.1:8080", raw)
}
