package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/centralcloud/centralcloud/database/dbtest"
	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

// The GitHub App and installation of the recorded webhook payloads.
const (
	appID          = 29310
	installationID = 957387
	accountLogin   = "Codertocat"
	accountID      = 21031067
)

// Replica and worker counts, as a small production deployment runs them.
const (
	serveReplicas = 2
	workerCount   = 2
)

// cluster is the running service: its processes, database and settings.
type cluster struct {
	t *testing.T
	// ctx ends at the scenario's deadline; commands and waits stop there.
	ctx           context.Context
	bins          binaries
	dir           string
	pool          *pgxpool.Pool
	env           []string
	webhookSecret string
	fake          *fakeGitHub
	servers       []*server
	workers       []*process
}

// server is one serve replica.
type server struct {
	proc *process
	url  string
}

// startCluster starts the fake GitHub, the serve replicas and the workers
// on a fresh database, and waits until each replica is ready.
func startCluster(t *testing.T, ctx context.Context, bins binaries) *cluster {
	t.Helper()
	c := &cluster{t: t, ctx: ctx, bins: bins, dir: t.TempDir(), pool: dbtest.Pool(t)}
	c.webhookSecret = randomHex(t, 20)
	keyPath := c.writeAppKey()
	c.fake = startFakeGitHub(t, c.bins.fakegithub, keyPath, c.writeSeed())
	c.env = []string{
		"CENTRALCLOUD_DATABASE_URL=" + dbtest.URL(t),
		"CENTRALCLOUD_DATA_DIR=" + filepath.Join(c.dir, "data"),
		"CENTRALCLOUD_LOG_LEVEL=debug",
		fmt.Sprintf("CENTRALCLOUD_GITHUB_APP_ID=%d", appID),
		"CENTRALCLOUD_GITHUB_PRIVATE_KEY_FILE=" + keyPath,
		"CENTRALCLOUD_GITHUB_WEBHOOK_SECRET=" + c.webhookSecret,
		"CENTRALCLOUD_GITHUB_V3_API_URL=" + c.fake.apiURL,
		"CENTRALCLOUD_GITHUB_WEB_URL=" + c.fake.webURL,
		"CENTRALCLOUD_SNAPSHOTS_KEYS=" + snapshotKey(t),
	}
	c.env = append(c.env, serviceTuning...)
	t.Cleanup(c.printLogsOnFailure)
	for i := range serveReplicas {
		c.startServer(i)
	}
	for i := range workerCount {
		c.startWorker(fmt.Sprintf("worker-%d", i))
	}
	for _, s := range c.servers {
		c.waitReady(s)
	}
	return c
}

func (c *cluster) startServer(i int) {
	addr := freeAddr(c.t)
	proc, _ := startProcess(c.t, fmt.Sprintf("serve-%d", i), c.bins.centralcloud,
		append(c.env, "CENTRALCLOUD_HTTP_ADDR="+addr), false, "serve")
	c.servers = append(c.servers, &server{proc: proc, url: "http://" + addr})
}

func (c *cluster) startWorker(name string) {
	proc, _ := startProcess(c.t, name, c.bins.centralcloud, c.env, false, "worker")
	c.workers = append(c.workers, proc)
}

// waitReady polls GET /readyz until the replica returns 200.
func (c *cluster) waitReady(s *server) {
	c.t.Helper()
	c.eventually(c.t, 30*time.Second, s.proc.name+" ready", func() (bool, string) {
		if !s.proc.running() {
			c.t.Fatalf("%s exited with status %d", s.proc.name, s.proc.exitCode())
		}
		resp, err := http.Get(s.url + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// printLogsOnFailure shows the end of every process's log when the test
// failed, so the cause is visible without rerunning.
func (c *cluster) printLogsOnFailure() {
	if !c.t.Failed() {
		return
	}
	procs := []*process{c.fake.proc}
	for _, s := range c.servers {
		procs = append(procs, s.proc)
	}
	procs = append(procs, c.workers...)
	for _, p := range procs {
		c.t.Logf("--- last lines of %s (%s) ---\n%s", p.name, p.logPath, p.tail(60))
	}
}

// writeAppKey generates the App's RSA key, as GitHub does when an App is
// created, and writes it where both the service and the fake read it.
func (c *cluster) writeAppKey() string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		c.t.Fatalf("generate App key: %v", err)
	}
	path := filepath.Join(c.dir, "app.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		c.t.Fatalf("write App key: %v", err)
	}
	return path
}

// writeSeed writes the fake's installation: the account and repositories
// of the recorded installation payloads.
func (c *cluster) writeSeed() string {
	seed := fakegithub.Seed{Installations: []fakegithub.Installation{{
		ID:      installationID,
		Account: fakegithub.Account{Login: accountLogin, ID: accountID, Type: fakegithub.AccountUser},
		Repositories: []fakegithub.Repository{
			{ID: 186853002, Owner: accountLogin, Name: "Hello-World"},
			{ID: 186853007, Owner: accountLogin, Name: "Space"},
		},
	}}}
	data, err := json.Marshal(seed)
	if err != nil {
		c.t.Fatalf("encode seed: %v", err)
	}
	path := filepath.Join(c.dir, "seed.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		c.t.Fatalf("write seed: %v", err)
	}
	return path
}

// eventually waits for check like the function of that name, and stops at
// the scenario's deadline at the latest.
func (c *cluster) eventually(t *testing.T, timeout time.Duration, what string, check func() (bool, string)) {
	t.Helper()
	deadline, _ := c.ctx.Deadline()
	eventually(t, deadline, timeout, what, check)
}

// cliResult is the outcome of one centralcloud command.
type cliResult struct {
	code   int
	stdout string
	stderr string
}

// cli runs the centralcloud binary with the cluster's configuration.
func (c *cluster) cli(args ...string) cliResult {
	c.t.Helper()
	cmd := exec.CommandContext(c.ctx, c.bins.centralcloud, args...)
	cmd.Env = append(baseEnv(), c.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	if exitErr, ok := err.(*exec.ExitError); ok {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		c.t.Fatalf("run centralcloud %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustCLI runs a centralcloud command that must succeed.
func (c *cluster) mustCLI(args ...string) string {
	c.t.Helper()
	r := c.cli(args...)
	if r.code != 0 {
		c.t.Fatalf("centralcloud %s exited %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random bytes: %v", err)
	}
	return hex.EncodeToString(b)
}

// snapshotKey returns a key-encryption key for the snapshot keyring, in
// the "<id>:<base64 of 32 bytes>" form of centralcloud keys generate.
func snapshotKey(t *testing.T) string {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatalf("generate snapshot key: %v", err)
	}
	return "e2e-1:" + base64.StdEncoding.EncodeToString(secret)
}
