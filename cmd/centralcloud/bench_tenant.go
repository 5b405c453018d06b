package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// benchAppID is the GitHub App id of the service that the bench starts.
const benchAppID = 424242

// benchTenant is the org, installation and repository that the bench uses
// on the fake GitHub.
type benchTenant struct {
	Owner          string
	Repo           string
	InstallationID int64
	AccountID      int64
	RepoID         int64
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomID() int64 {
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<40))
	return n.Int64() + 1<<41
}

// startBenchGitHub starts a fake GitHub with the tenant's installation and
// configures the App against it with a fresh key and webhook secret.
func startBenchGitHub(app *cliApp, t *benchTenant) (*fakegithub.Server, error) {
	t.InstallationID, t.AccountID, t.RepoID = randomID(), randomID(), randomID()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate the App key: %w", err)
	}
	fake, err := fakegithub.Start(fakegithub.Options{
		AppID: benchAppID, PublicKey: &key.PublicKey,
		Installations: []fakegithub.Installation{{
			ID: t.InstallationID, Account: fakegithub.Account{Login: t.Owner, ID: t.AccountID},
			Repositories: []fakegithub.Repository{{ID: t.RepoID, Owner: t.Owner, Name: t.Repo}},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("start the fake GitHub: %w", err)
	}
	g := &app.cfg.GitHub
	g.AppID = benchAppID
	g.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	g.WebhookSecret = randomSuffix() + randomSuffix()
	g.V3APIURL, g.WebURL = fake.URL(), fake.WebURL()
	return fake, nil
}

// readWebhookFixture reads a recorded webhook payload, e.g.
// "pull_request/synchronize.json".
func readWebhookFixture(name string) ([]byte, error) {
	dir, err := fakegithub.DefaultFixturesDir()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "webhooks", name))
	if err != nil {
		return nil, fmt.Errorf("read webhook fixture: %w", err)
	}
	return data, nil
}

// payload reads a recorded payload and points its installation and
// repository at the tenant.
func (t *benchTenant) payload(name string) (map[string]any, error) {
	data, err := readWebhookFixture(name)
	if err != nil {
		return nil, err
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("decode webhook fixture %s: %w", name, err)
	}
	account := map[string]any{"login": t.Owner, "id": t.AccountID, "type": "Organization"}
	p["installation"] = map[string]any{"id": t.InstallationID, "app_id": benchAppID, "account": account,
		"permissions": map[string]any{"checks": "write", "metadata": "read", "pull_requests": "read"}}
	if repo, ok := p["repository"].(map[string]any); ok {
		repo["id"], repo["name"], repo["full_name"], repo["owner"] = t.RepoID, t.Repo, t.Owner+"/"+t.Repo, account
	}
	return p, nil
}

// synchronizePayload is the recorded pull_request.synchronize delivery for
// the tenant's repository.
func (t *benchTenant) synchronizePayload() ([]byte, error) {
	p, err := t.payload("pull_request/synchronize.json")
	if err != nil {
		return nil, err
	}
	return json.Marshal(p)
}

// install delivers installation.created for the tenant, so that the
// service knows the installation and its repository.
func (t *benchTenant) install(ctx context.Context, url, secret string) error {
	p, err := t.payload("installation/created.json")
	if err != nil {
		return err
	}
	p["repositories"] = []any{map[string]any{"id": t.RepoID, "name": t.Repo, "full_name": t.Owner + "/" + t.Repo, "private": false}}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/github/hook", bytes.NewReader(body))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "installation")
	req.Header.Set("X-GitHub-Delivery", uuid.NewString())
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("deliver installation.created: %w", err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("deliver installation.created: status %d: %s", res.StatusCode, out)
	}
	return nil
}
