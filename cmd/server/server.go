package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/weftdev/weft/internal/health"
	"github.com/weftdev/weft/internal/metrics"
	"github.com/weftdev/weft/internal/ot/types"
	"github.com/weftdev/weft/internal/pubsub"
	"github.com/weftdev/weft/internal/session"
	"github.com/weftdev/weft/internal/store"
	"github.com/weftdev/weft/internal/testns"
	"github.com/weftdev/weft/internal/tracing"
)

// server is one running Weft instance: its store, bus, session manager and
// HTTP routes. Fields are set by newServer and read-only afterwards.
type server struct {
	cfg     Config
	log     *slog.Logger
	store   session.Store
	closeDB func() error
	bus     session.PubSub
	closeBs func() error
	manager *session.Manager
	// testns serves test namespaces; nil unless Config.TestNamespaces.
	testns  *testns.Server
	handler http.Handler
	// stopResync ends the goroutine forwarding Redis reconnects.
	stopResync context.CancelFunc
	// access is the access control; nil when the server runs open.
	access *access

	// registry holds the server's Prometheus metrics (served at /metrics).
	registry *prometheus.Registry
	metrics  *metrics.Metrics
	// health pings the store and Redis for /readyz; stopHealth ends it.
	health     *health.Checker
	stopHealth context.CancelFunc
	// tracing is nil unless an OTLP endpoint is configured.
	tracing *tracing.Tracing
}

// newServer opens the store and the bus the configuration names and builds
// the session manager and routes. On error everything opened is closed.
func newServer(ctx context.Context, cfg Config, logger *slog.Logger) (_ *server, err error) {
	s := &server{cfg: cfg, log: logger, stopResync: func() {}, stopHealth: func() {}, registry: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			s.close(context.Background())
		}
	}()
	if err := s.openStore(ctx); err != nil {
		return nil, err
	}
	if err := s.openBus(ctx); err != nil {
		return nil, err
	}
	if s.access, err = openAccess(ctx, cfg.Auth, s, s.revokeLive); err != nil {
		return nil, err
	}
	var wsAuth session.Authenticator
	if s.access != nil {
		wsAuth = sessionAuth{s.access.a}
	}
	if err := s.openTracing(ctx); err != nil {
		return nil, err
	}
	obs := &lateSources{}
	var commits metrics.CommitTracer
	if s.tracing != nil {
		commits = s.tracing
	}
	checks := s.healthChecks()
	var deps []string
	for _, c := range checks {
		deps = append(deps, c.Name)
	}
	s.metrics, err = metrics.New(s.registry, metrics.Options{Sources: obs, Commits: commits, Dependencies: deps})
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	opts := session.Options{
		Authenticator:      wsAuth,
		Store:              s.store,
		PubSub:             s.bus,
		Registry:           types.Registry(),
		Logger:             logger,
		Observer:           s.metrics,
		ReadLimit:          cfg.MaxMessageBytes,
		SendQueue:          cfg.SendQueue,
		PingInterval:       cfg.PingInterval,
		PingTimeout:        cfg.PingTimeout,
		OriginPatterns:     cfg.AllowedOrigins,
		IdleTimeout:        cfg.DocIdleTimeout,
		HeadCheckInterval:  cfg.HeadCheckEvery,
		SnapshotEvery:      int64(cfg.SnapshotEvery),
		DisableCompression: cfg.Compression == "off",
		NoContextTakeover:  cfg.Compression == "no-context-takeover",
		CommitWorkers:      s.commitWorkers(),
		DisableOwnership:   !cfg.DocOwnership,
	}
	cfg.Limits.apply(&opts)
	s.manager, err = session.New(opts)
	if err != nil {
		return nil, fmt.Errorf("start sessions: %w", err)
	}
	obs.m = s.manager
	s.startHealth(checks)
	if r, ok := s.bus.(*pubsub.Redis); ok {
		rctx, cancel := context.WithCancel(context.Background())
		s.stopResync = cancel
		go s.forwardResync(rctx, r.Resync())
	}
	if s.access != nil {
		s.access.start()
	}
	if cfg.TestNamespaces {
		if s.testns, err = newTestNamespaces(cfg, logger); err != nil {
			return nil, err
		}
		logger.Warn("test namespaces enabled (--test-namespaces): never use this in production")
	}
	s.handler = s.routes()
	return s, nil
}

// commitWorkers is session.Options.CommitWorkers: one, so that every
// commit carries all the documents waiting (the fewest transactions),
// except on Postgres with several instances each committing the same
// documents (Redis on, document ownership off), where a batch may wait for
// another instance's row locks and three let other documents' commits go
// on meanwhile.
func (s *server) commitWorkers() int {
	if s.cfg.PostgresURL != "" && s.cfg.RedisURL != "" && !s.cfg.DocOwnership {
		return 3
	}
	return 1
}

func (s *server) openStore(ctx context.Context) error {
	if s.cfg.PostgresURL != "" {
		pg, err := store.OpenPostgres(ctx, s.cfg.PostgresURL, store.PostgresOptions{}, s.log)
		if err != nil {
			return fmt.Errorf("open Postgres store: %w", err)
		}
		s.store, s.closeDB = pg, func() error { pg.Close(); return nil }
		s.log.Info("documents stored in Postgres", "database", redactURL(s.cfg.PostgresURL))
		return nil
	}
	if s.cfg.Store == "memory" {
		m := store.NewMemory()
		s.store, s.closeDB = m, func() error { return nil }
		s.log.Warn("documents kept in memory only: nothing is durable, everything is lost when the server stops (--store memory is for benchmarks and tests)")
		return nil
	}
	if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(s.cfg.DataDir, "weft.db"))
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	db, err := store.OpenBolt(path, store.BoltOptions{}, s.log)
	if err != nil {
		return fmt.Errorf("open embedded store: %w", err)
	}
	s.store, s.closeDB = db, db.Close
	s.log.Info("documents stored in the embedded store", "file", path)
	return nil
}

func (s *server) openBus(ctx context.Context) error {
	if s.cfg.RedisURL == "" {
		// Alone: no bus. The session manager then delivers edits and
		// presence to its own clients directly, without publishing every op
		// to itself and a goroutine per open document.
		return nil
	}
	if s.cfg.PostgresURL == "" {
		return errors.New("--redis-url needs --postgres-url: instances sharing edits over Redis must share one Postgres")
	}
	r, err := pubsub.NewRedis(ctx, s.cfg.RedisURL, pubsub.RedisOptions{Prefix: s.cfg.RedisPrefix}, s.log)
	if err != nil {
		return fmt.Errorf("connect to Redis: %w", err)
	}
	s.bus, s.closeBs = r, r.Close
	s.log.Info("sharing edits over Redis", "redis", redactURL(s.cfg.RedisURL), "prefix", s.cfg.RedisPrefix)
	return nil
}

// forwardResync makes the manager catch up after every Redis reconnect,
// since messages published meanwhile were lost.
func (s *server) forwardResync(ctx context.Context, ch <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			s.log.Info("Redis reconnected; catching up open documents")
			s.manager.Resync()
		}
	}
}

// serve serves HTTP on ln until ctx ends, then drains within
// --shutdown-timeout: /readyz turns 503 and WebSocket upgrades are refused
// (503) at once, client sockets are closed (1012 when ctx's cause is
// errTerminated, a SIGTERM; 1001 otherwise), in-flight commits finish,
// snapshots are written, the listener closes once in-flight HTTP requests
// are answered, and the bus and the store are closed.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	// A client must send its request headers (the WebSocket upgrade
	// included) within the handshake timeout, however slowly it trickles
	// them; an idle keep-alive connection is closed after IdleTimeout.
	// Upgraded connections are hijacked and leave these deadlines behind.
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.Limits.HandshakeTimeout,
		ReadTimeout:       s.cfg.Limits.HandshakeTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("Weft listening", "addr", ln.Addr().String(), "url", "http://"+displayAddr(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.close(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	code := session.CloseGoingAway
	if errors.Is(context.Cause(ctx), errTerminated) {
		code = session.CloseServiceRestart
	}
	s.log.Info("draining", "close_code", int(code), "timeout", s.cfg.ShutdownTimeout.String())
	start := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	// Readiness and upgrades turn 503 at once; the listener stays open
	// meanwhile so that /readyz says so. Hijacked WebSockets are the
	// manager's to close: http.Server.Shutdown ignores them.
	var errs []error
	if err := s.manager.Drain(sctx, code); err != nil {
		errs = append(errs, fmt.Errorf("drain sessions: %w", err))
	}
	if err := hs.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if err := s.close(sctx); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.log.Info("stopped cleanly", "drain_seconds", time.Since(start).Seconds())
	return nil
}

// close shuts the manager down, then the bus, then the store. It is used
// both for a drain and to undo a failed start.
func (s *server) close(ctx context.Context) error {
	var errs []error
	s.stopResync()
	s.stopHealth()
	if s.access != nil {
		s.access.close()
	}
	if s.testns != nil {
		if err := s.testns.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drop test namespaces: %w", err))
		}
	}
	if s.manager != nil {
		if err := s.manager.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drain sessions: %w", err))
		}
	}
	if s.closeBs != nil {
		if err := s.closeBs(); err != nil {
			errs = append(errs, fmt.Errorf("close bus: %w", err))
		}
	}
	if s.closeDB != nil {
		if err := s.closeDB(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
	}
	if s.tracing != nil {
		if err := s.tracing.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func migrate(ctx context.Context, cfg Config, logger *slog.Logger) error {
	if cfg.PostgresURL == "" {
		return errors.New("migrate needs --postgres-url or DATABASE_URL (the embedded store needs no migrations)")
	}
	if err := store.Migrate(ctx, cfg.PostgresURL, logger); err != nil {
		return err
	}
	logger.Info("migrations applied", "database", redactURL(cfg.PostgresURL))
	return nil
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}

// newTestNamespaces builds the test namespace server (--test-namespaces):
// each namespace gets the connection settings of the main manager and
// Weft's types plus the test types.
func newTestNamespaces(cfg Config, logger *slog.Logger) (*testns.Server, error) {
	base := session.Options{
		Logger:         logger,
		ReadLimit:      cfg.MaxMessageBytes,
		SendQueue:      cfg.SendQueue,
		PingInterval:   cfg.PingInterval,
		PingTimeout:    cfg.PingTimeout,
		OriginPatterns: cfg.AllowedOrigins,
		IdleTimeout:    cfg.DocIdleTimeout,
		SnapshotEvery:  int64(cfg.SnapshotEvery),
	}
	cfg.Limits.apply(&base)
	ts, err := testns.New(base, types.Registry().Types(), logger)
	if err != nil {
		return nil, fmt.Errorf("start test namespaces: %w", err)
	}
	return ts, nil
}
