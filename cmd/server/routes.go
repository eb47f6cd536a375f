package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/netip"
	"path"
	"strings"

	"github.com/weftdev/weft/internal/api"
	"github.com/weftdev/weft/internal/metrics"
	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
	editor "github.com/weftdev/weft/web/editor"
)

// routes maps the server's paths:
//
//	/ws, or / with a WebSocket upgrade   ShareDB protocol
//	/api/                                 REST API
//	/healthz                              liveness ("ok")
//	/readyz                               readiness: 200, or 503 with a JSON body
//	                                      naming what failed (draining, store, redis)
//	/metrics                              Prometheus metrics
//	/_test/                               test namespaces with --test-namespaces
//	                                      (conformance/PROTOCOL.md), else 404
//	/assets/...                           editor bundle
//	anything else                         the editor page (it routes client-side)
func (s *server) routes() http.Handler {
	ws := s.manager.Handler()
	mux := http.NewServeMux()
	mux.Handle("/ws", ws)
	trusted := s.cfg.Limits.TrustedProxies
	apiOpts := []api.Option{api.WithRateLimit(s.cfg.Limits.APIRate, s.cfg.Limits.APIBurst,
		func(r *http.Request) netip.Addr { return session.ClientIP(r, trusted) },
		func(r *http.Request, client netip.Addr) {
			s.metrics.Rejected(apiRateReason)
			s.log.Debug("request refused by a limit", "reason", apiRateReason, "ip", client, "path", r.URL.Path)
		})}
	if s.access != nil {
		apiOpts = append(apiOpts, api.WithAuthenticator(apiAuth{s.access.a}))
	}
	var rest http.Handler = api.New(docsAPI{s.manager, s.store}, s.log, apiOpts...)
	if s.tracing != nil {
		rest = s.tracing.Handler(rest, "rest")
	}
	mux.Handle("/api/", rest)
	mux.Handle("GET /readyz", s.health.ReadyHandler())
	mux.Handle("GET /metrics", metrics.Handler(s.registry))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	if s.testns != nil {
		mux.Handle("/_test/", s.testns.Handler())
	} else {
		mux.Handle("/_test/", http.NotFoundHandler())
	}
	page := editorHandler(editor.FS)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			ws.ServeHTTP(w, r)
			return
		}
		page.ServeHTTP(w, r)
	})
	return withRequestID(mux)
}

// apiRateReason counts REST requests refused by --api-rate in
// weft_rejected_messages_total, next to the WebSocket limits' reasons.
const apiRateReason = "api_rate"

// editorHandler serves the editor's files, and index.html for every other
// page path (the page routes on location.pathname). Missing files under
// /assets/ are 404.
func editorHandler(files fs.FS) http.Handler {
	static := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if strings.HasPrefix(name, "assets/") {
			if base := path.Base(name); base == "app.js" || base == "app.css" {
				w.Header().Set("Cache-Control", "no-cache")
			} else {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			static.ServeHTTP(w, r)
			return
		}
		page, err := fs.ReadFile(files, "index.html")
		if err != nil {
			http.Error(w, "editor not built", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(page)
	})
}

// docsAPI adapts the session manager to the REST API's Docs interface.
type docsAPI struct {
	m     *session.Manager
	store session.Store
}

var _ api.Docs = docsAPI{}

func (d docsAPI) Snapshot(ctx context.Context, c, id string) (ot.Snapshot, error) {
	s, err := d.m.Fetch(ctx, c, id)
	return toOTSnapshot(s), unavailable(err)
}

// unavailable marks the Manager's ErrShutdown (a drain) for the API, which
// answers it with 503.
func unavailable(err error) error {
	if errors.Is(err, session.ErrShutdown) {
		return fmt.Errorf("%w: %w", api.ErrUnavailable, err)
	}
	return err
}

func (d docsAPI) SnapshotAt(ctx context.Context, c, id string, v int64) (ot.Snapshot, error) {
	s, err := d.m.SnapshotAt(ctx, c, id, v)
	if errors.Is(err, session.ErrVersionNewer) {
		return ot.Snapshot{}, fmt.Errorf("%s/%s at v%d: %w", c, id, v, api.ErrVersionTooNew)
	}
	return toOTSnapshot(s), unavailable(err)
}

func (d docsAPI) SnapshotAtTime(ctx context.Context, c, id string, ts int64) (ot.Snapshot, error) {
	s, err := d.m.SnapshotAtTime(ctx, c, id, ts)
	return toOTSnapshot(s), unavailable(err)
}

// Ops reads the op log straight from the store: it holds ot.Ops already,
// which the API encodes itself.
func (d docsAPI) Ops(ctx context.Context, c, id string, from, to int64) ([]ot.Op, error) {
	ops, err := d.store.Ops(ctx, c, id, from, to)
	if err != nil {
		return nil, fmt.Errorf("ops %s/%s %d..%d: %w", c, id, from, to, err)
	}
	return ops, nil
}

func (d docsAPI) List(ctx context.Context, c, after string, limit int) ([]string, error) {
	return d.store.List(ctx, c, after, limit)
}

func toOTSnapshot(s session.Snapshot) ot.Snapshot {
	out := ot.Snapshot{Version: s.Version, Type: s.Type, Ts: s.Ts}
	if s.Type != "" {
		out.Data = s.Data
	}
	return out
}
