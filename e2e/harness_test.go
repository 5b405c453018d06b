package e2e

import (
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// binaries are the programs under test.
type binaries struct {
	centralcloud string
	fakegithub   string
}

// buildBinaries compiles cmd/centralcloud and the fake GitHub server from
// this checkout into a temporary directory.
func buildBinaries(t *testing.T) binaries {
	t.Helper()
	dir := t.TempDir()
	bins := binaries{
		centralcloud: filepath.Join(dir, "centralcloud"),
		fakegithub:   filepath.Join(dir, "fakegithub"),
	}
	for _, target := range []struct{ pkg, out string }{
		{"./cmd/centralcloud", bins.centralcloud},
		{"./githubapp/fakegithub/cmd/fakegithub", bins.fakegithub},
	} {
		cmd := exec.Command("go", "build", "-o", target.out, target.pkg)
		cmd.Dir = ".." // go test runs in the package directory, e2e/
		if output, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", target.pkg, err, output)
		}
	}
	return bins
}

// freeAddr returns a loopback address with a port that was free a moment
// ago. Another program could take it before the server binds it; the
// server then fails to start and the test reports its log.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// eventually polls check every interval until it returns true, or until
// timeout passes or the deadline, whichever comes first. Then it fails the
// test with check's last description of the state.
func eventually(t *testing.T, deadline time.Time, timeout time.Duration, what string, check func() (bool, string)) {
	t.Helper()
	if own := time.Now().Add(timeout); own.Before(deadline) {
		deadline = own
	}
	interval := 50 * time.Millisecond
	for {
		ok, state := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		time.Sleep(interval)
		interval = min(interval*2, 500*time.Millisecond)
	}
}
