package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// benchFolder makes a bench folder in tmp owned by pid (none when 0),
// last changed age ago.
func benchFolder(t *testing.T, tmp, name string, pid int, age time.Duration) string {
	t.Helper()
	dir := filepath.Join(tmp, benchFolderPattern+name)
	require.NoError(t, os.Mkdir(dir, 0o700))
	if pid != 0 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, benchOwnerFile), []byte(strconv.Itoa(pid)), 0o644))
	}
	then := time.Now().Add(-age)
	require.NoError(t, os.Chtimes(dir, then, then))
	return dir
}

func TestSweepBenchFoldersKeepsLiveOnes(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	exited := exec.Command("true")
	require.NoError(t, exited.Run())
	deadPID := exited.ProcessState.Pid()

	dead := benchFolder(t, tmp, "dead", deadPID, 5*time.Minute)
	unowned := benchFolder(t, tmp, "unowned", 0, 5*time.Minute)
	live := benchFolder(t, tmp, "live", os.Getpid(), 5*time.Minute)
	young := benchFolder(t, tmp, "young", 0, 0)

	var out bytes.Buffer
	sweepBenchFolders(context.Background(), &out)
	assert.NoDirExists(t, dead)
	assert.NoDirExists(t, unowned)
	assert.DirExists(t, live, "a folder whose bench still runs is kept")
	assert.DirExists(t, young, "a folder younger than a minute may belong to a bench that is starting")
	assert.Contains(t, out.String(), "removed "+dead)
	assert.Contains(t, out.String(), "removed "+unowned)
}
