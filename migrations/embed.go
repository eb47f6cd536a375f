// Package migrations holds Weft's Postgres schema as numbered, forward-only
// SQL files (NNNN_name.up.sql), compiled into the binary. internal/store
// applies them at start (store.Migrate) under an advisory lock, so several
// instances starting at once apply each file exactly once.
//
// Rules for new files: never edit or renumber a file that has shipped; add
// the next number instead. Each file runs as one implicit transaction, so it
// must not contain statements that refuse to run in one (CREATE INDEX
// CONCURRENTLY, VACUUM). There are no down files: a rollback is a new
// forward migration.
package migrations

import "embed"

// FS holds the migration files, named NNNN_name.up.sql at its root.
//
//go:embed *.sql
var FS embed.FS
