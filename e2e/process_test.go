package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// process is a program the test started, with its output in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}

	mu      sync.Mutex
	exitErr error
}

// startProcess starts bin with args and env (added to a PATH-only
// environment) and stops it when the test ends: SIGTERM, then SIGKILL
// after five seconds. Standard output and standard error go to the log,
// except that the first stdout line is returned when firstLine is set.
func startProcess(t *testing.T, name, bin string, env []string, firstLine bool, args ...string) (*process, string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("create log of %s: %v", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Stderr = logFile
	var stdout io.ReadCloser
	if firstLine {
		if stdout, err = cmd.StdoutPipe(); err != nil {
			t.Fatalf("pipe stdout of %s: %v", name, err)
		}
	} else {
		cmd.Stdout = logFile
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	line := ""
	if firstLine {
		line = readFirstLine(t, p, stdout, logFile)
	}
	go p.wait(logFile)
	t.Cleanup(p.stop)
	return p, line
}

// baseEnv is the environment of every child process: enough to run, and
// no CENTRALCLOUD_* variable of the developer's shell.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CENTRALCLOUD_") {
			env = append(env, kv)
		}
	}
	return env
}

func readFirstLine(t *testing.T, p *process, stdout io.ReadCloser, log io.Writer) string {
	t.Helper()
	lines := make(chan string, 1)
	reader := bufio.NewReader(stdout)
	go func() {
		line, _ := reader.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(log, reader)
	}()
	select {
	case line := <-lines:
		if line == "" {
			t.Fatalf("%s printed nothing on standard output; log:\n%s", p.name, p.tail(40))
		}
		return line
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed nothing on standard output within 30s; log:\n%s", p.name, p.tail(40))
	}
	return ""
}

func (p *process) wait(logFile *os.File) {
	err := p.cmd.Wait()
	logFile.Close()
	p.mu.Lock()
	p.exitErr = err
	p.mu.Unlock()
	close(p.done)
}

// running reports whether the process has not exited.
func (p *process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// signal sends sig to the process, if it still runs.
func (p *process) signal(sig syscall.Signal) {
	if p.running() {
		_ = p.cmd.Process.Signal(sig)
	}
}

// kill sends SIGKILL and waits for the process to exit.
func (p *process) kill() {
	p.signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and kills the process if it takes longer than
// five seconds.
func (p *process) stop() {
	p.signal(syscall.SIGCONT) // a stopped process cannot handle SIGTERM
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.kill()
	}
}

// exitCode returns the exit status once the process has exited; -1 for a
// signal.
func (p *process) exitCode() int {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	var exitErr *exec.ExitError
	if errors.As(p.exitErr, &exitErr) {
		return exitErr.ExitCode()
	}
	return 0
}

// tail returns the last n lines of the log.
func (p *process) tail(n int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
