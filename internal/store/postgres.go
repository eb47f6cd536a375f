package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresOptions configures OpenPostgres.
type PostgresOptions struct {
	// MaxConns caps the connection pool; zero keeps pgxpool's default
	// (the larger of 4 and the number of CPUs), or the pool_max_conns
	// parameter of the URL.
	MaxConns int32
	// SkipMigrations opens the store without applying migrations (for
	// deployments that run the migrate subcommand separately). The schema
	// must then already be current.
	SkipMigrations bool
	// AllowNonDurable accepts a server whose fsync or synchronous_commit is
	// off. Without it OpenPostgres refuses such a server, since Weft
	// acknowledges an op only once it is durable and those settings make
	// Postgres report commits that a crash can lose.
	AllowNonDurable bool
}

// ErrNotDurable is wrapped by OpenPostgres's error when the server runs
// with fsync or synchronous_commit off and AllowNonDurable is not set.
var ErrNotDurable = errors.New("postgres server does not make commits durable")

// Postgres is the Store for several instances: the op log, snapshots and
// per-document heads in Postgres (schema in package migrations), reached
// through a pgx connection pool. It is safe for concurrent use by any
// number of goroutines and processes; the row lock on a document's head
// row is what orders that document's appends across all of them.
type Postgres struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
	heads  knownHeads   // for the one-round-trip commit (postgres_fast.go)
	fast   atomic.Int64 // batches written by the one-round-trip commit
}

// OpenPostgres connects to the database at url (a postgres:// URL or a
// key=value connection string, as pgx accepts), applies pending migrations
// (unless opts.SkipMigrations), and checks that the server stores text as
// UTF-8 and makes commits durable (see PostgresOptions.AllowNonDurable).
// The caller must Close the store.
func OpenPostgres(ctx context.Context, url string, opts PostgresOptions, logger *slog.Logger) (*Postgres, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: parse url: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	// Commit's statements take arrays (one element per document or op of
	// a batch). Left to choose, Postgres replans them at every execution
	// for small batches (the array's length makes a custom plan look
	// cheaper), which costs more CPU than running them; their generic
	// plans (index probes per element once the tables are analysed) serve
	// every batch size. Weft's other statements are single-key lookups,
	// whose generic and custom plans are the same. A plan_cache_mode set
	// in the URL wins.
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	if !opts.SkipMigrations {
		if err := Migrate(ctx, url, logger); err != nil {
			return nil, err
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	p := &Postgres{pool: pool, logger: logger}
	if err := p.checkServer(ctx, opts.AllowNonDurable); err != nil {
		pool.Close()
		return nil, err
	}
	logger.Info("store opened", "backend", "postgres", "host", cfg.ConnConfig.Host, "database", cfg.ConnConfig.Database)
	return p, nil
}

// checkServer refuses servers whose encoding is not UTF-8, and warns about
// or refuses (unless allowNonDurable) settings that lose acknowledged
// commits on a crash.
func (p *Postgres) checkServer(ctx context.Context, allowNonDurable bool) error {
	var enc, fsync, syncCommit string
	err := p.pool.QueryRow(ctx, `SELECT current_setting('server_encoding'), current_setting('fsync'), current_setting('synchronous_commit')`).
		Scan(&enc, &fsync, &syncCommit)
	if err != nil {
		return fmt.Errorf("store: postgres: read server settings: %w", err)
	}
	if !strings.EqualFold(enc, "UTF8") {
		return fmt.Errorf("store: postgres: server_encoding is %s, want UTF8", enc)
	}
	if fsync == "on" && syncCommit != "off" {
		return nil
	}
	if !allowNonDurable {
		return fmt.Errorf("store: postgres: fsync=%s synchronous_commit=%s: %w", fsync, syncCommit, ErrNotDurable)
	}
	p.logger.Warn("postgres server may lose acknowledged ops on a crash", "fsync", fsync, "synchronous_commit", syncCommit)
	return nil
}

// Close closes the connection pool, waiting for connections in use to be
// returned. Other methods fail after Close.
func (p *Postgres) Close() {
	p.pool.Close()
	p.logger.Info("store closed", "backend", "postgres")
}

// Ping checks that the database answers (for health checks).
func (p *Postgres) Ping(ctx context.Context) error {
	if err := p.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: postgres: ping: %w", err)
	}
	return nil
}
