package main

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

const seedJSON = `{"installations": [{
  "id": 100,
  "account": {"login": "acme", "id": 501, "type": "Organization"},
  "permissions": {"checks": "write", "metadata": "read"},
  "repositories": [{"id": 1001, "owner": "acme", "name": "app"}]
}]}`

// TestProcessServesSeededInstallation runs the command as its own process,
// as the end-to-end test does, and talks to it with go-githubapp.
func TestProcessServesSeededInstallation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	keyFile := filepath.Join(dir, "app.pem")
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))
	seedFile := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(seedFile, []byte(seedJSON), 0o600))
	binary := filepath.Join(dir, "fakegithub")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	cmd := exec.Command(binary, "-app-id", "77", "-private-key", keyFile, "-seed", seedFile,
		"-installation", "200:globex:site")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	apiURL, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	apiURL = strings.TrimSpace(apiURL)
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/api/v3/$`, apiURL)

	config := githubapp.Config{V3APIURL: apiURL}
	config.App.IntegrationID = 77
	config.App.PrivateKey = string(keyPEM)
	creator, err := githubapp.NewDefaultCachingClientCreator(config)
	require.NoError(t, err)
	client, err := creator.NewInstallationClient(100)
	require.NoError(t, err)
	sha := strings.Repeat("a", 40)
	_, _, err = client.Checks.CreateCheckRun(t.Context(), "acme", "app", github.CreateCheckRunOptions{
		Name: "CentralCloud", HeadSHA: sha,
	})
	require.NoError(t, err)
	globex, err := creator.NewInstallationClient(200)
	require.NoError(t, err)
	repos, _, err := globex.Apps.ListRepos(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, "globex/site", repos.Repositories[0].GetFullName())

	adminURL := strings.TrimSuffix(apiURL, "api/v3/") + "_fakegithub/"
	resp, err := http.Get(adminURL + "check-runs?owner=acme&repo=app&head_sha=" + sha)
	require.NoError(t, err)
	defer resp.Body.Close()
	var runs []fakegithub.CheckRun
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&runs))
	require.Len(t, runs, 1)
	require.Equal(t, "queued", runs[0].Status)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "the process exits 0 on SIGTERM")
	case <-time.After(10 * time.Second):
		t.Fatal("fakegithub did not stop within 10 s of SIGTERM")
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"no app id":            {"-private-key", "x.pem"},
		"no key":               {"-app-id", "1"},
		"both keys":            {"-app-id", "1", "-public-key", "a", "-private-key", "b"},
		"invalid installation": {"-app-id", "1", "-private-key", "x.pem", "-installation", "acme"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := run(args)
			require.ErrorAs(t, err, new(usageError))
		})
	}
}
