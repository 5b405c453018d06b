package config

import (
	"errors"
	"fmt"
	"net/url"
)

// GitHubConfig configures the GitHub App. With no app id, webhooks and
// checks are off.
type GitHubConfig struct {
	AppID int64 `yaml:"app_id"`
	// PrivateKey is the App's PEM private key text.
	PrivateKey     string `yaml:"private_key"`
	PrivateKeyFile string `yaml:"private_key_file"`
	WebhookSecret  string `yaml:"webhook_secret"`
	// WebhookSecretFile is a file that contains the webhook secret.
	WebhookSecretFile string `yaml:"webhook_secret_file"`
	V3APIURL          string `yaml:"v3_api_url"`
	WebURL            string `yaml:"web_url"`
}

// Enabled reports whether a GitHub App is configured.
func (g *GitHubConfig) Enabled() bool { return g.AppID != 0 }

func (g *GitHubConfig) defaults() {
	g.V3APIURL = "https://api.github.com/"
	g.WebURL = "https://github.com/"
}

func (g *GitHubConfig) resolveFiles() error {
	if err := readSecretFile(&g.PrivateKey, g.PrivateKeyFile, "github.private_key_file"); err != nil {
		return err
	}
	return readSecretFile(&g.WebhookSecret, g.WebhookSecretFile, "github.webhook_secret_file")
}

func (g *GitHubConfig) validate() error {
	var errs []error
	for key, raw := range map[string]string{"github.v3_api_url": g.V3APIURL, "github.web_url": g.WebURL} {
		if u, err := url.Parse(raw); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an absolute URL", key, raw))
		}
	}
	if !g.Enabled() {
		return errors.Join(errs...)
	}
	if g.AppID < 0 {
		errs = append(errs, fmt.Errorf("github.app_id %d is invalid: use the App's numeric id from its settings page", g.AppID))
	}
	if g.PrivateKey == "" {
		errs = append(errs, errors.New("github.private_key is missing: set it (PEM text) or github.private_key_file"))
	}
	if g.WebhookSecret == "" {
		errs = append(errs, errors.New("github.webhook_secret is missing: set it or github.webhook_secret_file to the App's webhook secret"))
	}
	return errors.Join(errs...)
}
