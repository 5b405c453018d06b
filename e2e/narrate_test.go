package e2e

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// demo is set by scripts/demo.sh: the scenario then narrates itself on
// standard output for a reader who watches it run.
var demo = flag.Bool("demo", false, "narrate the end-to-end scenario on standard output")

// narrator prints what the scenario does, with the time since it began.
// Without -demo the lines go to the test log, shown on failure and with -v.
type narrator struct {
	start time.Time
}

func (n *narrator) say(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	if *demo {
		fmt.Printf("[%5.1fs] %s\n", time.Since(n.start).Seconds(), line)
		return
	}
	t.Log(line)
}

// show prints the key: value lines of a scan, indented, in demo mode.
func (n *narrator) show(t *testing.T, r scanResult) {
	t.Helper()
	keys := make([]string, 0, len(r.out))
	for key := range r.out {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, key := range keys {
		fmt.Fprintf(&b, "           %s: %s\n", key, r.out[key])
	}
	if *demo {
		fmt.Print(b.String())
		return
	}
	t.Log("scan output:\n" + b.String())
}
