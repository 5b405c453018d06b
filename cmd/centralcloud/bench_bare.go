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
	child, err := startBenchChild("the bare handlers' process on "+addr, cmd, 10*time.Second)
	if err != nil {
		return "", nil, err
	}
	listening := func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		_ = conn.Close()
		return true
	}
	detail := func() string { return string(bytes.TrimSpace(stderr.Bytes())) }
	if err := child.awaitReady(context.Background(), 30*time.Second, 20*time.Millisecond, listening, detail); err != nil {
		return "", nil, err
	}
	return "http://" + addr, func() { _ = child.stop() }, nil
}
