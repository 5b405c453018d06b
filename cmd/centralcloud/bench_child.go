package main

import (
	"context"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// benchChild is a process that the bench starts from its own binary: the
// serve process or the bare handlers' process.
type benchChild struct {
	// name is the process in messages, e.g. "the serve process".
	name string
	cmd  *exec.Cmd
	// grace is how long stop waits after SIGTERM before it kills.
	grace   time.Duration
	exited  chan struct{}
	waitErr error
}

// startBenchChild starts cmd so that it gets SIGTERM when the bench dies
// (benchChildAttr), and watches for its exit.
func startBenchChild(name string, cmd *exec.Cmd, grace time.Duration) (*benchChild, error) {
	cmd.SysProcAttr = benchChildAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &benchChild{name: name, cmd: cmd, grace: grace, exited: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// awaitReady calls ready every interval until it returns true. When the
// process exits first, timeout passes or ctx ends, it stops the process
// and returns an error that ends with detail(), which may read what the
// process wrote because it has stopped by then.
func (c *benchChild) awaitReady(ctx context.Context, timeout, interval time.Duration, ready func() bool, detail func() string) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ready() {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("%s exited before it was ready (%v): %s", c.name, c.waitErr, detail())
		case <-ctx.Done():
			_ = c.stop()
			return ctx.Err()
		case <-time.After(interval):
		}
	}
	_ = c.stop()
	return fmt.Errorf("%s was not ready within %s: %s", c.name, timeout, detail())
}

// stop sends SIGTERM, waits for the process to exit and kills it when that
// takes longer than its grace. It returns an error for a kill or an exit
// with an error.
func (c *benchChild) stop() error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(c.grace):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("killed %s after %s without exiting", c.name, c.grace)
	}
	if c.waitErr != nil {
		return fmt.Errorf("%s stopped with %w", c.name, c.waitErr)
	}
	return nil
}
