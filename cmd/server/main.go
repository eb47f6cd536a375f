// Command server runs Weft: the ShareDB-protocol WebSocket endpoint, the
// REST API and the browser editor. With no configuration it keeps documents
// in an embedded durable file store and runs alone;
// with DATABASE_URL and REDIS_URL several instances share Postgres and
// Redis.
//
//	server [flags]               serve (see --help)
//	server --check-config ...    validate the configuration and exit 0 or 1
//	server migrate [flags]       apply the Postgres migrations and exit
//	server healthcheck [flags]   GET /healthz of the server at --addr on
//	                             this host; exit 0 when it answers 200
//
// SIGTERM drains for a restart (clients are closed with 1012 and reconnect
// elsewhere at once); SIGINT drains with 1001 (going away).
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

// errTerminated is the cause of run's context when SIGTERM asked for the
// drain: the server restarts (or moves), so clients are told 1012. Any
// other cause (SIGINT, a test's cancel) closes them with 1001.
var errTerminated = errors.New("SIGTERM received")

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		signal.Stop(sigs) // a second signal kills the process as usual
		if sig == syscall.SIGTERM {
			cancel(errTerminated)
		} else {
			cancel(fmt.Errorf("%v received", sig))
		}
	}()
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
	healthOnly := len(args) > 0 && args[0] == "healthcheck"
	if migrateOnly || healthOnly {
		args = args[1:]
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	if healthOnly {
		return healthcheck(ctx, cfg.Addr)
	}
	if cfg.CheckConfig {
		fmt.Fprintln(stderr, "weft: configuration OK")
		return nil
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

// newLogger builds the server's logger; records logged with a request's
// context carry its request_id (see withRequestID).
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(requestIDHandler{h})
}
