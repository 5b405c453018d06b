// Package scripts_test runs the deploy and migrate scripts against a fake
// kubectl (testdata/fake-kubectl) and real HTTP servers that stand in for
// the API pods, so the rollback and switch decisions are exercised without
// a cluster.
package scripts_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testToken = "cct_deploytest"

// cluster is the fake kubectl's state folder.
type cluster struct {
	t   *testing.T
	dir string
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	return &cluster{t: t, dir: t.TempDir()}
}

func (c *cluster) set(name, value string) {
	c.t.Helper()
	require.NoError(c.t, os.WriteFile(filepath.Join(c.dir, name), []byte(value+"\n"), 0o600))
}

// get returns the trimmed content of a state file, or "" when it is absent.
func (c *cluster) get(name string) string {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	require.NoError(c.t, err)
	return strings.TrimSpace(string(data))
}

func (c *cluster) calls() []string {
	return strings.Split(c.get("calls.log"), "\n")
}

// hasCall reports whether some kubectl call contained every part.
func (c *cluster) hasCall(parts ...string) bool {
	for _, call := range c.calls() {
		matched := true
		for _, p := range parts {
			matched = matched && strings.Contains(call, p)
		}
		if matched {
			return true
		}
	}
	return false
}

// appliedManifest returns the manifest of the last kubectl call that read
// one from standard input and contains marker.
func (c *cluster) appliedManifest(marker string) string {
	c.t.Helper()
	for i := len(c.calls()); i > 0; i-- {
		manifest := c.get("stdin-" + strconv.Itoa(i) + ".yaml")
		if strings.Contains(manifest, marker) {
			return manifest
		}
	}
	c.t.Fatalf("no applied manifest contains %q", marker)
	return ""
}

// requireForwardsStopped checks that every port-forward process the script
// started has exited (or is a zombie waiting for its parent).
func (c *cluster) requireForwardsStopped() {
	c.t.Helper()
	for _, field := range strings.Fields(c.get("forward-pids")) {
		pid, err := strconv.Atoi(field)
		require.NoError(c.t, err)
		require.Eventually(c.t, func() bool { return processStopped(pid) }, 5*time.Second, 20*time.Millisecond,
			"port-forward process %d still runs", pid)
	}
}

func processStopped(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat))
	return len(fields) > 2 && fields[2] == "Z"
}

// podServer serves /readyz and HEAD /patterns/snapshot like one API color
// and registers its port for port-forward to deployment.
func (c *cluster) podServer(deployment string, ready bool, etag string) {
	c.t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/readyz" && ready:
			w.WriteHeader(http.StatusOK)
		case r.URL.Path == "/readyz":
			w.WriteHeader(http.StatusServiceUnavailable)
		case r.URL.Path == "/patterns/snapshot" && r.Header.Get("Authorization") != "Bearer "+testToken:
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/patterns/snapshot" && r.Method == http.MethodHead:
			w.Header().Set("ETag", `"`+etag+`"`)
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	c.t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(c.t, err)
	c.set("port-"+deployment, port)
}

// run runs script with args and the fake kubectl, and returns its exit
// status and standard error.
func (c *cluster) run(script string, env map[string]string, args ...string) (int, string) {
	c.t.Helper()
	path, err := filepath.Abs(script)
	require.NoError(c.t, err)
	kubectl, err := filepath.Abs("testdata/fake-kubectl")
	require.NoError(c.t, err)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{path}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + c.dir, "KUBECTL=" + kubectl, "FAKE_KUBE_DIR=" + c.dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stderr.String()
	}
	require.NoError(c.t, err, stderr.String())
	return 0, stderr.String()
}

func deployEnv(extra ...string) map[string]string {
	env := map[string]string{
		"DEPLOY_IMAGE":          "ghcr.io/acme/centralcloud",
		"DEPLOY_NAMESPACE":      "centralcloud",
		"DEPLOY_SNAPSHOT_TOKEN": testToken,
		"DEPLOY_TIMEOUT":        "2",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}
