package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", which the migration library drives

	"github.com/weftdev/weft/migrations"
)

// MigrationsTable is the table in which the migration library records the
// schema version (in the connection's current schema).
const MigrationsTable = "weft_schema_migrations"

// migrateLockTimeout bounds the wait for the migration lock, which another
// instance holds while it applies migrations.
const migrateLockTimeout = 2 * time.Minute

// Migrate brings the database at databaseURL up to the newest schema in
// package migrations, applying each missing file in order, each as one
// transaction. It holds a Postgres advisory lock (keyed by database, schema
// and MigrationsTable) while it works, so instances that start together
// apply each file exactly once: the others wait, then find nothing to do.
// A database already up to date is not an error. A database that a failed
// migration left "dirty" is refused with an error naming the version; an
// operator must repair it (the migration library's force command).
// Cancelling ctx stops between files, never inside one.
func Migrate(ctx context.Context, databaseURL string, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return fmt.Errorf("store: migrate: open: %w", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: migrate: connect: %w", err)
	}
	m, err := newMigrator(db, logger)
	if err != nil {
		return err
	}
	defer m.Close()
	stop := context.AfterFunc(ctx, func() { m.GracefulStop <- true })
	defer stop()
	err = m.Up()
	if errors.Is(err, migrate.ErrNoChange) {
		err = nil
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if v, dirty, verr := m.Version(); verr == nil {
		logger.Info("database schema up to date", "version", v, "dirty", dirty)
	}
	return nil
}

// newMigrator builds the migration library's runner over db and the
// embedded files.
func newMigrator(db *sql.DB, logger *slog.Logger) (*migrate.Migrate, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("store: migrate: read migrations: %w", err)
	}
	drv, err := migratepgx.WithInstance(db, &migratepgx.Config{MigrationsTable: MigrationsTable})
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	m.Log = migrateLog{logger}
	m.LockTimeout = migrateLockTimeout
	return m, nil
}

// migrateLog routes the migration library's messages to a slog.Logger.
type migrateLog struct{ logger *slog.Logger }

func (l migrateLog) Printf(format string, v ...any) {
	l.logger.Info("migrate: " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (l migrateLog) Verbose() bool { return false }
