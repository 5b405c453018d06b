package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
)

// Health serves the liveness and readiness probes.
type Health struct {
	DB *pgxpool.Pool
	// SnapshotLoaded reports whether a pattern snapshot is in memory; nil
	// counts as loaded.
	SnapshotLoaded func() bool
}

// Live responds 200 while the process runs.
func (h *Health) Live(w http.ResponseWriter, _ *http.Request) {
	writeHealth(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Ready responds 200 when the database is reachable, its schema is at the
// version this build expects, and a snapshot is loaded. Otherwise it
// responds 503 with the failing checks.
func (h *Health) Ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "schema": "ok", "snapshot": "ok"}
	ready := true
	if err := h.checkSchema(ctx); err != nil {
		ready = false
		if h.DB.Ping(ctx) != nil {
			checks["database"] = "unreachable"
			checks["schema"] = "unknown"
		} else {
			checks["schema"] = err.Error()
		}
		zerolog.Ctx(r.Context()).Warn().Err(err).Msg("readiness check failed")
	}
	if h.SnapshotLoaded != nil && !h.SnapshotLoaded() {
		ready = false
		checks["snapshot"] = "not loaded"
	}
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	writeHealth(w, status, map[string]any{"status": map[bool]string{true: "ready", false: "not ready"}[ready], "checks": checks})
}

func (h *Health) checkSchema(ctx context.Context) error {
	want, err := database.ExpectedVersion()
	if err != nil {
		return err
	}
	var version int64
	var dirty bool
	if err := h.DB.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations`).Scan(&version, &dirty); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case dirty:
		return fmt.Errorf("migration %d failed and left the schema dirty", version)
	case uint(version) != want:
		return fmt.Errorf("schema is at version %d, this build expects %d: run centralcloud migrate up", version, want)
	}
	return nil
}

func writeHealth(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
