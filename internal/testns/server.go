package testns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/pubsub"
	"github.com/weftdev/weft/internal/session"
	"github.com/weftdev/weft/internal/store"
)

var errUnknown = errors.New("unknown namespace")

// Server owns the test namespaces and serves the control protocol.
type Server struct {
	base     session.Options
	registry *ot.Registry
	log      *slog.Logger

	mu     sync.Mutex // guards spaces, next
	spaces map[string]*namespace
	next   uint64
}

// namespace is one document space.
type namespace struct {
	m   *session.Manager
	bus *pubsub.Memory
}

// New returns a Server whose namespaces take their session options from
// base (Store, PubSub and Registry are replaced per namespace; the namespace
// options of each create request are applied on top). types are Weft's
// production types; the test types are added to them.
func New(base session.Options, types []ot.Type, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reg, err := ot.NewRegistry(append(append([]ot.Type(nil), types...), TestTypes()...)...)
	if err != nil {
		return nil, fmt.Errorf("testns: registry: %w", err)
	}
	return &Server{base: base, registry: reg, log: logger, spaces: make(map[string]*namespace)}, nil
}

// Handler serves POST /_test/ns, POST /_test/ns/{ns}/projections,
// GET /_test/ns/{ns}/ws and DELETE /_test/ns/{ns}.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_test/ns", s.create)
	mux.HandleFunc("POST /_test/ns/{ns}/projections", s.addProjection)
	mux.HandleFunc("GET /_test/ns/{ns}/ws", s.connect)
	mux.HandleFunc("DELETE /_test/ns/{ns}", s.drop)
	return mux
}

// createRequest is the body of POST /_test/ns.
type createRequest struct {
	Presence          bool                  `json:"presence"`
	DoNotCommitNoOps  bool                  `json:"doNotCommitNoOps"`
	MaxSubmitRetries  *int                  `json:"maxSubmitRetries"`
	SuppressPublish   bool                  `json:"suppressPublish"`
	MilestoneInterval *int                  `json:"milestoneInterval"`
	Projections       map[string]projection `json:"projections"`
}

type projection struct {
	Name   string         `json:"name"`
	Target string         `json:"target"`
	Fields map[string]any `json:"fields"`
}

func (p projection) session(name string) (session.Projection, error) {
	if p.Target == "" {
		return session.Projection{}, errors.New("projection target must be a non-empty string")
	}
	out := session.Projection{Name: name, Target: p.Target}
	for f, v := range p.Fields {
		if v != true {
			return session.Projection{}, fmt.Errorf("projection field %q: value must be true", f)
		}
		out.Fields = append(out.Fields, f)
	}
	return out, nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	opts := s.base
	opts.Registry = s.registry
	opts.Store = store.NewMemory()
	bus := pubsub.NewMemory(0)
	opts.PubSub = bus
	opts.DisablePresence = !req.Presence
	opts.DoNotCommitNoOps = req.DoNotCommitNoOps
	opts.SuppressPublish = req.SuppressPublish
	opts.MaxSubmitRetries = -1
	if req.MaxSubmitRetries != nil {
		opts.MaxSubmitRetries = *req.MaxSubmitRetries
	}
	if req.MilestoneInterval != nil && *req.MilestoneInterval > 0 {
		opts.SnapshotEvery = int64(*req.MilestoneInterval)
	}
	opts.QueryDialect = session.QueryDialectShareDBMemory
	for name, p := range req.Projections {
		sp, err := p.session(name)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		opts.Projections = append(opts.Projections, sp)
	}
	m, err := session.New(opts)
	if err != nil {
		_ = bus.Close()
		writeError(w, http.StatusBadRequest, err)
		return
	}
	s.mu.Lock()
	s.next++
	name := "ns" + strconv.FormatUint(s.next, 10)
	s.spaces[name] = &namespace{m: m, bus: bus}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]string{"ns": name})
}

func (s *Server) lookup(name string) *namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spaces[name]
}

func (s *Server) addProjection(w http.ResponseWriter, r *http.Request) {
	ns := s.lookup(r.PathValue("ns"))
	if ns == nil {
		writeError(w, http.StatusNotFound, errUnknown)
		return
	}
	var p projection
	if err := decodeBody(r, &p); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	sp, err := p.session(p.Name)
	if err == nil {
		err = ns.m.AddProjection(sp)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	ns := s.lookup(r.PathValue("ns"))
	if ns == nil {
		// A refused upgrade ends the connection: WebSocket clients do not
		// reuse it, and some never close it themselves.
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusNotFound, errUnknown)
		return
	}
	ns.m.Handler().ServeHTTP(w, r)
}

func (s *Server) drop(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("ns")
	s.mu.Lock()
	ns := s.spaces[name]
	delete(s.spaces, name)
	s.mu.Unlock()
	if ns == nil {
		writeError(w, http.StatusNotFound, errUnknown)
		return
	}
	if err := ns.close(r.Context()); err != nil {
		s.log.Warn("drop test namespace", "ns", name, "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (ns *namespace) close(ctx context.Context) error {
	err := ns.m.Shutdown(ctx)
	return errors.Join(err, ns.bus.Close())
}

// Close drops every namespace.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	all := s.spaces
	s.spaces = make(map[string]*namespace)
	s.mu.Unlock()
	var errs []error
	for name, ns := range all {
		if err := ns.close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("namespace %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

func decodeBody(r *http.Request, dst any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(b) == 0 {
		b = []byte("{}")
	}
	var probe any
	if err := json.Unmarshal(b, &probe); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	if _, ok := probe.(map[string]any); !ok {
		return errors.New("body must be a JSON object")
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
