package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/centralcloud/centralcloud/config"
)

// benchServeReadyTimeout bounds the serve process's start, migrations
// excluded: the bench applies them before it starts the process.
const benchServeReadyTimeout = time.Minute

// benchServe is the serve process that the bench loads.
type benchServe struct {
	*benchChild
	url string
	// logPath is the process's standard error, where its log goes.
	logPath string
}

// startBenchServe starts `centralcloud serve` from this binary with the
// bench's configuration, its log in dir, and waits until it is ready.
// With cpuProfile set, the process profiles itself to that file.
func startBenchServe(ctx context.Context, app *cliApp, dir, cpuProfile string) (*benchServe, error) {
	binary, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this binary to start serve: %w", err)
	}
	dbURL, err := app.databaseURL(ctx)
	if err != nil {
		return nil, err
	}
	s := &benchServe{url: "http://" + app.cfg.HTTP.Addr, logPath: filepath.Join(dir, "serve.log")}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, fmt.Errorf("create the serve log: %w", err)
	}
	defer logFile.Close()

	args := []string{"serve"}
	if cpuProfile != "" {
		args = append(args, "--cpuprofile", cpuProfile)
	}
	if app.configPath != "" {
		args = append(args, "--config", app.configPath)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = benchServeEnv(os.Environ(), app.cfg, dbURL)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if s.benchChild, err = startBenchChild("the serve process", cmd, 30*time.Second); err != nil {
		return nil, err
	}

	ready := func() bool {
		res, err := http.Get(s.url + "/readyz")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	}
	if err := s.awaitReady(ctx, benchServeReadyTimeout, 50*time.Millisecond, ready, s.logTail); err != nil {
		return nil, err
	}
	return s, nil
}

// benchServeEnv returns environ with the bench's settings for the serve
// process, which reads the same configuration file as this process. The
// *_file keys are cleared so that they cannot conflict with the values.
func benchServeEnv(environ []string, cfg *config.Config, dbURL string) []string {
	set := map[string]string{
		"CENTRALCLOUD_DATABASE_URL":                  dbURL,
		"CENTRALCLOUD_DATABASE_URL_FILE":             "",
		"CENTRALCLOUD_DATABASE_MIGRATE_ON_START":     "false",
		"CENTRALCLOUD_DATA_DIR":                      cfg.DataDir,
		"CENTRALCLOUD_HTTP_ADDR":                     cfg.HTTP.Addr,
		"CENTRALCLOUD_GITHUB_APP_ID":                 strconv.FormatInt(cfg.GitHub.AppID, 10),
		"CENTRALCLOUD_GITHUB_PRIVATE_KEY":            cfg.GitHub.PrivateKey,
		"CENTRALCLOUD_GITHUB_PRIVATE_KEY_FILE":       "",
		"CENTRALCLOUD_GITHUB_WEBHOOK_SECRET":         cfg.GitHub.WebhookSecret,
		"CENTRALCLOUD_GITHUB_WEBHOOK_SECRET_FILE":    "",
		"CENTRALCLOUD_GITHUB_V3_API_URL":             cfg.GitHub.V3APIURL,
		"CENTRALCLOUD_GITHUB_WEB_URL":                cfg.GitHub.WebURL,
		"CENTRALCLOUD_SNAPSHOTS_KEYS":                strings.Join(cfg.Snapshots.Keys, ","),
		"CENTRALCLOUD_SNAPSHOTS_KEYRING_FILE":        "",
		"CENTRALCLOUD_SNAPSHOTS_ACTIVE_KEY_ID":       cfg.Snapshots.ActiveKeyID,
		"CENTRALCLOUD_SCANNER_RATE_LIMIT_PER_MINUTE": strconv.Itoa(cfg.Scanner.RateLimitPerMinute),
	}
	env := make([]string, 0, len(environ)+len(set))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[name]; !replaced {
			env = append(env, kv)
		}
	}
	for name, value := range set {
		env = append(env, name+"="+value)
	}
	return env
}

// shutdown stops the process and reports an unclean stop to out.
func (s *benchServe) shutdown(out io.Writer) {
	if err := s.stop(); err != nil {
		fmt.Fprintf(out, "bench: %v: %s\n", err, s.logTail())
	}
}

// logTail returns the last lines of the serve log on one line, for error
// messages.
func (s *benchServe) logTail() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return "no log: " + err.Error()
	}
	lines := strings.Split(string(bytes.TrimSpace(data)), "\n")
	return "its last log lines: " + strings.Join(lines[max(0, len(lines)-3):], " | ")
}

// freeLoopbackAddr returns a loopback address with a port that was free a
// moment ago, for a process that must listen on a known port.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}
