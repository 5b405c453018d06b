package githubapp

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	assert.NoError(t, Options{}.Validate(), "no App is valid: webhooks and checks are off")
	err := Options{AppID: 1, V3APIURL: "ftp://example.com", ProxyURL: "not a url"}.Validate()
	assert.ErrorContains(t, err, "github.private_key: missing")
	assert.ErrorContains(t, err, "github.webhook_secret: missing")
	assert.ErrorContains(t, err, "github.v3_api_url")
	assert.ErrorContains(t, err, "github.proxy_url")
	err = Options{AppID: 1, PrivateKey: "k", PrivateKeyFile: "f", WebhookSecret: "s"}.Validate()
	assert.ErrorContains(t, err, "not both")
	assert.NoError(t, Options{AppID: 1, PrivateKey: "k", WebhookSecret: "s"}.Validate())
}

func TestOptionsDefaultsAndGraphQLURL(t *testing.T) {
	t.Parallel()
	o := Options{}.withDefaults()
	assert.Equal(t, DefaultV3APIURL, o.V3APIURL)
	assert.Equal(t, "https://api.github.com/graphql", o.v4APIURL())
	ghes := Options{V3APIURL: "https://ghe.example.com/api/v3"}.withDefaults()
	assert.Equal(t, "https://ghe.example.com/api/v3/", ghes.V3APIURL)
	assert.Equal(t, "https://ghe.example.com/api/graphql", ghes.v4APIURL())
}

func TestNewClientsRejectsBadKey(t *testing.T) {
	t.Parallel()
	_, err := NewClients(Options{AppID: 1, PrivateKey: "not a key", WebhookSecret: "s"}, mustMetrics(t))
	assert.ErrorContains(t, err, "github.private_key")
	_, err = NewClients(Options{AppID: 1, PrivateKeyFile: "/nonexistent/key.pem", WebhookSecret: "s"}, mustMetrics(t))
	assert.ErrorContains(t, err, "github.private_key_file")
	_, err = NewClients(Options{AppID: 1, PrivateKey: appKeyPEM(), WebhookSecret: "s", CAFile: "/nonexistent/ca.pem"}, mustMetrics(t))
	assert.ErrorContains(t, err, "github.ca_file")
}

func TestInstallationLabel(t *testing.T) {
	t.Parallel()
	cases := map[string]struct{ agent, path, want string }{
		"installation client": {"centralcloud (installation: 42)", "/repos/a/b/check-runs", "42"},
		"token request":       {"Go-http-client/1.1", "/api/v3/app/installations/77/access_tokens", "77"},
		"app client":          {"centralcloud (application)", "/app/installations/5", installationLabelApp},
		"token verifier":      {"centralcloud (installation token)", "/installation/repositories", installationLabelToken},
		"other":               {"curl", "/", installationLabelUnknown},
	}
	for name, c := range cases {
		req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1"+c.path, nil)
		assert.NoError(t, err)
		req.Header.Set("User-Agent", c.agent)
		assert.Equal(t, c.want, installationLabel(req), name)
	}
}

func mustMetrics(t *testing.T) *Metrics {
	m, err := NewMetrics(nil)
	assert.NoError(t, err)
	return m
}
