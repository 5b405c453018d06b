// Package migrations embeds the SQL schema migrations that golang-migrate
// applies, so the binary carries its own schema.
//
// Files are named NNNNNN_title.up.sql and NNNNNN_title.down.sql. Production
// runs only "up"; the down files exist for development.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
