package main

import (
	"os"
	"testing"

	"github.com/centralcloud/centralcloud/database/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
