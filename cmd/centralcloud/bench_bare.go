package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/bench"
)

// newBenchBareCommand returns the hidden command that serves the bench's
// bare handlers, so that they run in a process of their own, as the serve
// process does. It reads a bench.BareConfig as JSON from standard input,
// which keeps the webhook secret off the command line.
func newBenchBareCommand() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:    "bare-server",
		Short:  "Serve the bare limit handlers of centralcloud bench (started by the bench itself)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var c bench.BareConfig
			if err := json.NewDecoder(cmd.InOrStdin()).Decode(&c); err != nil {
				return fmt.Errorf("read the bare handlers' configuration from standard input: %w", err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s (--addr): %w", addr, err)
			}
			handler, closePool, err := bench.NewBareHandler(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer closePool()
			srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
			go func() {
				<-cmd.Context().Done()
				_ = srv.Close()
			}()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "loopback address to listen on")
	return cmd
}

// startBareProcess starts `centralcloud bench bare-server` from this
// binary with c and waits until it accepts connections.
func startBareProcess(c bench.BareConfig) (url string, stop func(), err error) {
	binary, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("find this binary to start the bare handlers: %w", err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return "", nil, err
	}
	input, err := json.Marshal(c)
	if err != nil {
		return "", nil, err
	}

	var stderr bytes.Buffer
	cmd := exec.Command(binary, "bench", "bare-server", "--addr", addr)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(input), io.Discard, &stderr
	cmd.SysProcAttr = benchChildAttr()
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start %s bench bare-server: %w", binary, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = conn.Close()
			return "http://" + addr, stop, nil
		}
		select {
		case err := <-exited:
			return "", nil, fmt.Errorf("the bare handlers' process exited (%v): %s", err, bytes.TrimSpace(stderr.Bytes()))
		case <-ctx.Done():
			stop()
			return "", nil, fmt.Errorf("the bare handlers' process did not listen on %s within 30 s: %s", addr, bytes.TrimSpace(stderr.Bytes()))
		case <-time.After(20 * time.Millisecond):
		}
	}
}
