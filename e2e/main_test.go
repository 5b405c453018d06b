// Package e2e runs CentralCloud end to end: the real binaries as separate
// processes (two serve replicas, two workers and the fake GitHub API
// server) on one Postgres database, driven the way GitHub and a scanner in
// CI drive the product.
package e2e

import (
	"os"
	"testing"

	"github.com/centralcloud/centralcloud/database/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
