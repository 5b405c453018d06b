package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database/embedded"
)

const (
	// benchFolderPattern names the bench's temporary folders.
	benchFolderPattern = "centralcloud-bench-"
	// benchOwnerFile holds the process id of the bench that owns a folder.
	benchOwnerFile = "bench.pid"
	// benchSweepAge spares the folders of benches that are still setting up.
	benchSweepAge = time.Minute
)

// claimBenchFolder writes this process's id into dir, so that other benches
// leave the folder alone while this one runs.
func claimBenchFolder(dir string) error {
	return os.WriteFile(filepath.Join(dir, benchOwnerFile), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// sweepBenchFolders stops the embedded PostgreSQL of, and removes, each
// temporary folder of a bench that died without cleaning up (killed with
// SIGKILL, say), and reports each one to out. Folders of running benches,
// and those younger than benchSweepAge, are left alone.
func sweepBenchFolders(ctx context.Context, out io.Writer) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), benchFolderPattern+"*"))
	for _, dir := range dirs {
		info, err := os.Stat(dir)
		if err != nil || !info.IsDir() || time.Since(info.ModTime()) < benchSweepAge || benchOwnerAlive(dir) {
			continue
		}
		dataDir := filepath.Join(dir, "data")
		if _, err := os.Stat(dataDir); err == nil {
			srv, err := embedded.Start(ctx, embedded.Options{DataDir: dataDir, Logger: zerolog.Nop(), AdoptOrphan: true, NoCreate: true})
			if err == nil {
				_ = srv.Stop()
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintf(out, "bench: could not remove %s, left by a bench that did not finish: %v\n", dir, err)
			continue
		}
		fmt.Fprintf(out, "bench: removed %s and stopped its PostgreSQL, left by a bench that did not finish\n", dir)
	}
}

// benchOwnerAlive reports whether the process named in dir's owner file
// still runs. A folder without a readable owner file has no live owner.
func benchOwnerAlive(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, benchOwnerFile))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
