package reliability

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// fixturesDir is the folder of recorded GitHub data beside the
// repository; sub is a folder inside it such as "webhooks".
func fixturesDir(t testing.TB, sub string) string {
	t.Helper()
	dir, err := fakegithub.DefaultFixturesDir()
	require.NoError(t, err)
	return filepath.Join(dir, sub)
}

// payload loads a recorded webhook payload, lets patch change it and
// returns it encoded.
func payload(t testing.TB, name string, patch func(map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixturesDir(t, "webhooks"), name))
	require.NoError(t, err)
	var p map[string]any
	require.NoError(t, json.Unmarshal(raw, &p))
	if patch != nil {
		patch(p)
	}
	out, err := json.Marshal(p)
	require.NoError(t, err)
	return out
}

// patchInstallation points a payload's installation at the tenant's.
func (ten tenant) patchInstallation(p map[string]any) {
	p["installation"] = map[string]any{
		"id": ten.installationID, "app_id": testAppID,
		"permissions": map[string]any{"checks": "write", "statuses": "write", "metadata": "read"},
		"account":     map[string]any{"login": ten.login, "id": ten.accountID, "type": "Organization"},
	}
}

// patchRepository points a payload's installation and repository at the
// tenant's.
func (ten tenant) patchRepository(p map[string]any) {
	ten.patchInstallation(p)
	p["repository"] = map[string]any{
		"id": ten.repo.ID, "name": ten.repo.Name, "full_name": ten.repo.FullName(),
		"owner": map[string]any{"login": ten.login, "id": ten.accountID},
	}
}

// installedPayload is installation.created for the tenant with its one
// repository.
func (ten tenant) installedPayload(t testing.TB) []byte {
	return payload(t, "installation/created.json", func(p map[string]any) {
		ten.patchInstallation(p)
		p["repositories"] = []any{map[string]any{
			"id": ten.repo.ID, "name": ten.repo.Name, "full_name": ten.repo.FullName(), "private": false,
		}}
	})
}

// pullRequestPayload is pull_request.opened for the tenant's repository
// at head commit sha.
func (ten tenant) pullRequestPayload(t testing.TB, sha string) []byte {
	return payload(t, "pull_request/opened.json", func(p map[string]any) {
		ten.patchRepository(p)
		pr := p["pull_request"].(map[string]any)
		pr["head"].(map[string]any)["sha"] = sha
	})
}

// deliver posts a delivery to the webhook route with the given
// signature, or with none when signature is empty.
func (e *env) deliver(event, deliveryID string, body []byte, signature string) response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.srv.URL+"/api/github/hook", bytes.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/d54209a")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", deliveryID)
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	return send(e.t, req)
}

// deliverSigned posts a delivery signed with the App's webhook secret.
func (e *env) deliverSigned(event, deliveryID string, body []byte) response {
	e.t.Helper()
	return e.deliver(event, deliveryID, body, sign(body, testWebhookSecret))
}
