package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := load("", nil)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", c.HTTP.Addr)
	require.Equal(t, "./.centralcloud", c.DataDir)
	require.Empty(t, c.Database.URL)
	require.False(t, c.GitHub.Enabled())
	require.Equal(t, "https://api.github.com/", c.GitHub.V3APIURL)
}

func TestLoadUnknownKeyRejected(t *testing.T) {
	t.Parallel()
	_, err := load(writeFile(t, "http:\n  adress: 127.0.0.1:9000\n"), nil)
	require.ErrorContains(t, err, "adress")
}

func TestLoadEmptyFile(t *testing.T) {
	t.Parallel()
	c, err := load(writeFile(t, ""), nil)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", c.HTTP.Addr)
}

func TestEnvOverridesFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "http:\n  addr: 127.0.0.1:9000\n  read_timeout: 10s\n")
	c, err := load(path, []string{
		"CENTRALCLOUD_HTTP_ADDR=0.0.0.0:7000",
		"CENTRALCLOUD_DATA_DIR=/var/lib/cc",
		"CENTRALCLOUD_GITHUB_V3_API_URL=https://ghe.example.com/api/v3/",
		"CENTRALCLOUD_POLICIES_LEARNING_ENABLED=false",
		"CENTRALCLOUD_DATABASE_MAX_CONNS=7",
	})
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:7000", c.HTTP.Addr)
	require.Equal(t, 10*time.Second, c.HTTP.ReadTimeout)
	require.Equal(t, "/var/lib/cc", c.DataDir)
	require.Equal(t, "https://ghe.example.com/api/v3/", c.GitHub.V3APIURL)
	require.False(t, c.Policies.LearningEnabled)
	require.Equal(t, 7, c.Database.MaxConns)
}

func TestEnvMalformedValueNamesVariable(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"CENTRALCLOUD_HTTP_READ_TIMEOUT=10":               "CENTRALCLOUD_HTTP_READ_TIMEOUT",
		"CENTRALCLOUD_POLICIES_TELEMETRY_ENABLED=perhaps": "CENTRALCLOUD_POLICIES_TELEMETRY_ENABLED",
		"CENTRALCLOUD_DATABASE_MAX_CONNS=ten":             "CENTRALCLOUD_DATABASE_MAX_CONNS",
	}
	for kv, name := range cases {
		_, err := load("", []string{kv})
		require.ErrorContains(t, err, name, kv)
	}
}

func TestEnvUnknownVariableWarns(t *testing.T) {
	t.Parallel()
	c, err := load("", []string{"CENTRALCLOUD_HTTP_ADRESS=x", "CENTRALCLOUD_CONFIG=/x", "CENTRALCLOUD_TEST_DATABASE_URL=y"})
	require.NoError(t, err)
	require.Len(t, c.Warnings, 1)
	require.Contains(t, c.Warnings[0], "CENTRALCLOUD_HTTP_ADRESS")
}

func TestValidationNamesKey(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"CENTRALCLOUD_HTTP_ADDR=8080":                 "http.addr",
		"CENTRALCLOUD_POLICIES_FAIL_ON=critical":      "policies.fail_on",
		"CENTRALCLOUD_LOG_FORMAT=xml":                 "log.format",
		"CENTRALCLOUD_DATABASE_URL=mysql://x/y":       "database.url",
		"CENTRALCLOUD_GITHUB_APP_ID=12":               "github.private_key",
		"CENTRALCLOUD_HTTP_PUBLIC_URL=example.com/cc": "http.public_url",
	}
	for kv, key := range cases {
		_, err := load("", []string{kv})
		require.ErrorContains(t, err, key, kv)
	}
}

func TestSecretsFromFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "key.pem")
	secretPath := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(keyPath, []byte("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n"), 0o600))
	require.NoError(t, os.WriteFile(secretPath, []byte("s3cret\n"), 0o600))
	c, err := load("", []string{
		"CENTRALCLOUD_GITHUB_APP_ID=12",
		"CENTRALCLOUD_GITHUB_PRIVATE_KEY_FILE=" + keyPath,
		"CENTRALCLOUD_GITHUB_WEBHOOK_SECRET_FILE=" + secretPath,
	})
	require.NoError(t, err)
	require.Equal(t, "s3cret", c.GitHub.WebhookSecret)
	require.Contains(t, c.GitHub.PrivateKey, "BEGIN RSA PRIVATE KEY")
}

func TestSecretFileAndValueConflict(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "url")
	require.NoError(t, os.WriteFile(path, []byte("postgres://a@b/c"), 0o600))
	_, err := load("", []string{"CENTRALCLOUD_DATABASE_URL=postgres://x@y/z", "CENTRALCLOUD_DATABASE_URL_FILE=" + path})
	require.ErrorContains(t, err, "database.url_file")
}
