// Command fakegithub runs the fake GitHub API server as its own process, for
// end-to-end tests and demos. It prints the API base URL on standard output
// once it listens, logs requests to standard error, and stops on SIGINT or
// SIGTERM.
//
//	fakegithub -app-id 4242 -private-key app.pem -installation 100:acme:app,lib
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
	"github.com/centralcloud/centralcloud/internal/logkey"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fakegithub:", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError marks a wrong command line, which exits with status 2.
type usageError struct{ error }

func run(args []string) error {
	flags := flag.NewFlagSet("fakegithub", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:0", "TCP address to listen on; port 0 picks a free port")
	appID := flags.Int64("app-id", 0, "GitHub App id expected in the JWT iss claim (required)")
	publicKey := flags.String("public-key", "", "PEM file with the App's RSA public key")
	privateKey := flags.String("private-key", "", "PEM file with the App's RSA private key, used for its public half")
	seedFile := flags.String("seed", "", "JSON file with the installations to start with")
	fixtures := flags.String("fixtures", "", "directory with api/*.json response templates (default: shared/fixtures/github beside the module)")
	tokenTTL := flags.Duration("token-ttl", time.Hour, "lifetime of issued installation tokens")
	var installations installationFlags
	flags.Var(&installations, "installation",
		"installation as ID:LOGIN:REPO,REPO... with the App's permissions, account id ID+10000 and repository ids from ID*1000+1; repeatable")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}

	opts, err := buildOptions(*appID, *publicKey, *privateKey, *seedFile)
	if err != nil {
		return err
	}
	opts.Installations = append(opts.Installations, installations...)
	opts.Addr = *addr
	opts.FixturesDir = *fixtures
	opts.TokenTTL = *tokenTTL
	logger := zerolog.New(os.Stderr).With().Timestamp().Str(logkey.Component, "fakegithub").Logger()
	opts.Logger = &logger
	return serve(opts)
}

func buildOptions(appID int64, publicKeyFile, privateKeyFile, seedFile string) (fakegithub.Options, error) {
	var opts fakegithub.Options
	if appID <= 0 {
		return opts, usageError{errors.New("-app-id is required and must be positive")}
	}
	opts.AppID = appID
	keyFile := publicKeyFile
	if keyFile == "" {
		keyFile = privateKeyFile
	}
	if keyFile == "" || (publicKeyFile != "" && privateKeyFile != "") {
		return opts, usageError{errors.New("pass exactly one of -public-key and -private-key")}
	}
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return opts, fmt.Errorf("read key: %w", err)
	}
	if opts.PublicKey, err = fakegithub.ParsePublicKeyPEM(data); err != nil {
		return opts, fmt.Errorf("%s: %w", keyFile, err)
	}
	if seedFile != "" {
		seed, err := fakegithub.LoadSeed(seedFile)
		if err != nil {
			return opts, err
		}
		opts.Installations = seed.Installations
	}
	return opts, nil
}

func serve(opts fakegithub.Options) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	server, err := fakegithub.Start(opts)
	if err != nil {
		return err
	}
	fmt.Println(server.URL())
	<-ctx.Done()
	server.Close()
	return nil
}

// installationFlags parses repeated -installation ID:LOGIN:REPO,REPO flags.
// The account id is the installation id plus 10000 and repository ids are
// numbered from the installation id times 1000; use -seed to choose them.
type installationFlags []fakegithub.Installation

func (f *installationFlags) String() string {
	return fmt.Sprintf("%d installations", len(*f))
}

func (f *installationFlags) Set(value string) error {
	parts := strings.SplitN(value, ":", 3)
	if len(parts) < 2 {
		return fmt.Errorf("installation %q: want ID:LOGIN or ID:LOGIN:REPO,REPO", value)
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("installation %q: id %q is invalid; use a positive number", value, parts[0])
	}
	inst := fakegithub.Installation{
		ID:      id,
		Account: fakegithub.Account{Login: parts[1], ID: id + 10000},
	}
	if len(parts) == 3 && parts[2] != "" {
		for i, name := range strings.Split(parts[2], ",") {
			inst.Repositories = append(inst.Repositories, fakegithub.Repository{
				ID: id*1000 + int64(i) + 1, Owner: parts[1], Name: name,
			})
		}
	}
	*f = append(*f, inst)
	return nil
}
