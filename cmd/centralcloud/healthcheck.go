package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

// defaultHealthURL matches the listen address that the container image sets
// (CENTRALCLOUD_HTTP_ADDR=0.0.0.0:8080).
const defaultHealthURL = "http://127.0.0.1:8080/healthz"

// newHealthcheckCommand builds the probe that the container image's
// HEALTHCHECK runs, because a distroless image has no curl or wget.
// It reads no configuration and opens no database.
func newHealthcheckCommand(app *cliApp) *cobra.Command {
	var target string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck [--url URL] [--timeout DURATION]",
		Short: "GET a health endpoint; exit 0 on a 2xx response, 1 otherwise",
		Long: "GET a health endpoint and exit 0 when it responds 2xx, 1 on any other status,\n" +
			"a connection error or a timeout. Redirects are not followed. Meant for container\n" +
			"HEALTHCHECK instructions and other probes that cannot run curl.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateHealthURL(target); err != nil {
				return &usageError{command: "centralcloud healthcheck", err: err}
			}
			if timeout <= 0 {
				return &usageError{command: "centralcloud healthcheck",
					err: fmt.Errorf("--timeout %s is invalid: give a positive duration such as 3s", timeout)}
			}
			status, err := probeHealth(cmd.Context(), target, timeout)
			if err != nil {
				return err
			}
			fmt.Fprintf(app.stdout, "%s: %s\n", target, status)
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "url", defaultHealthURL, "URL to GET, e.g. http://127.0.0.1:8080/readyz")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second,
		"time allowed for the whole request, as a Go duration such as 500ms or 3s")
	return cmd
}

func validateHealthURL(raw string) error {
	if _, ok := parseHTTPURL(raw); !ok {
		return fmt.Errorf("--url %q is not an absolute http or https URL: use e.g. %s", raw, defaultHealthURL)
	}
	return nil
}

// parseHTTPURL parses raw and reports whether it is an absolute http or
// https URL with a host.
func parseHTTPURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}

// probeHealth sends one GET and returns the response status when it is 2xx.
func probeHealth(ctx context.Context, target string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", fmt.Errorf("build request for %s: %w", target, err)
	}
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("health check of %s failed: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("health check of %s failed: status %s", target, resp.Status)
	}
	return resp.Status, nil
}
