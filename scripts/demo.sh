#!/usr/bin/env bash
# Runs the end-to-end scenario and narrates it. The fake GitHub, two serve
# replicas and two workers start as separate processes. The App is
# installed, a pull request opens and CI scans it. The output then shows
# the Check Runs, a pattern publish, the policies and a killed worker as
# they happen.
#
# It needs Go and PostgreSQL binaries (initdb, pg_ctl), like the tests. Set
# CENTRALCLOUD_TEST_DATABASE_URL to use a running server instead of a
# throwaway cluster. After the build, the scenario must finish within two
# minutes.
set -euo pipefail

cd "$(dirname "$0")/.."
go test ./e2e -run '^TestEndToEnd$' -count=1 -v -timeout 5m -args -demo |
	grep -v -e '^=== RUN' -e '^=== PAUSE' -e '^=== CONT'
