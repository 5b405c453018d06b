package scannerapi

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"

	"github.com/jackc/pgx/v5/pgconn"
)

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// isUnavailable reports whether err means the database cannot be reached,
// so the client should retry rather than give up.
func isUnavailable(err error) bool {
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.As(err, &pgErr):
		// Class 57 covers admin shutdown and cannot-connect-now; class 08
		// covers connection failures.
		return pgErr.Code[:2] == "57" || pgErr.Code[:2] == "08"
	}
	return pgconn.SafeToRetry(err)
}
