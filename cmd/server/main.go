// Command server runs Weft: the ShareDB-protocol WebSocket endpoint, the
// REST API and the browser editor. With no configuration it keeps documents
// in an embedded durable file store and runs alone;
// with DATABASE_URL and REDIS_URL several instances share Postgres and
// Redis.
//
//	server [flags]           serve (see --help)
//	server migrate [flags]   apply the Postgres migrations and exit
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if errors.Is(err, errHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "weft:", err)
		os.Exit(1)
	}
}

// run is the whole program: it returns when ctx ends (after draining) or on
// a startup error.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	migrateOnly := len(args) > 0 && args[0] == "migrate"
	if migrateOnly {
		args = args[1:]
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	if migrateOnly {
		return migrate(ctx, cfg, logger)
	}
	srv, err := newServer(ctx, cfg, logger)
	if err != nil {
		return err
	}
	if cfg.PprofAddr != "" {
		if err := srv.startPprof(ctx, cfg.PprofAddr); err != nil {
			srv.close(context.Background())
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		srv.close(context.Background())
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return srv.serve(ctx, ln)
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
