package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ProcessRSS returns a function that reads the resident size of the
// process with pid from /proc/PID/status.
func ProcessRSS(pid int) func() (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	return func() (int64, error) { return readRSS(path) }
}

func readRSS(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read resident size: %w", err)
	}
	defer f.Close()
	scan := bufio.NewScanner(f)
	for scan.Scan() {
		if rest, ok := strings.CutPrefix(scan.Text(), "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", rest, err)
			}
			return kib << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS line in %s: %w", path, scan.Err())
}

// peakRSS samples rss every 50 ms until the returned stop is called, which
// returns the highest sample.
func peakRSS(rss func() (int64, error)) (stop func() int64) {
	if rss == nil {
		return func() int64 { return 0 }
	}
	var peak atomic.Int64
	sample := func() {
		if v, err := rss(); err == nil && v > peak.Load() {
			peak.Store(v)
		}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-finished
		sample()
		return peak.Load()
	}
}
