// Package store holds CentralCloud's SQL, one file per concept. Functions
// take a database.DBTX so they run on the pool or inside a transaction.
package store

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Errors that callers map to responses.
var (
	// ErrNotFound means the object does not exist or belongs to another
	// tenant; callers must not tell the two apart.
	ErrNotFound = errors.New("not found")
)

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// isUniqueViolation reports whether err is a unique constraint violation on
// constraint (any constraint when empty).
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}
