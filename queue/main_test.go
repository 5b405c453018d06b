package queue_test

import (
	"os"
	"testing"

	"github.com/centralcloud/centralcloud/database/dbtest"
)

func TestMain(m *testing.M) {
	code := dbtest.Main(m)
	closeExtensionBackend()
	os.Exit(code)
}
