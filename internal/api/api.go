package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/weftdev/weft/internal/ot"
)

// Docs is what the API reads documents through. Snapshots it returns carry
// Data as a JSON tree or as a value ot.Marshal encodes.
type Docs interface {
	// Snapshot returns the document's current snapshot.
	Snapshot(ctx context.Context, collection, id string) (ot.Snapshot, error)
	// SnapshotAt returns the document at version v (v <= current).
	SnapshotAt(ctx context.Context, collection, id string, v int64) (ot.Snapshot, error)
	// SnapshotAtTime returns the document as it was at ts (Unix ms).
	SnapshotAtTime(ctx context.Context, collection, id string, ts int64) (ot.Snapshot, error)
	// Ops returns the ops with from <= Version < to (to < 0: to the end).
	Ops(ctx context.Context, collection, id string, from, to int64) ([]ot.Op, error)
	// List returns up to limit ids after the id after, in ascending order.
	List(ctx context.Context, collection, after string, limit int) ([]string, error)
}

// ErrVersionTooNew is what Docs returns (wrapped) for a version past the
// current one; the API answers it with 400.
var ErrVersionTooNew = errors.New("version is newer than the current snapshot")

// ErrUnavailable is what Docs returns (wrapped) while the server drains:
// the request is answered 503 so that the client retries elsewhere.
var ErrUnavailable = errors.New("server draining")

const (
	defaultListLimit = 100
	maxListLimit     = 1000
	maxOpsPerRequest = 10000
)

// Handler serves the REST API.
type Handler struct {
	docs   Docs
	log    *slog.Logger
	mux    *http.ServeMux
	texter func(typeURI string, data any) (string, bool)
	auth   Authenticator // nil: open
	limit  *ipLimiter    // nil: unlimited
}

// New returns the API handler. Mount it at "/api/".
func New(docs Docs, logger *slog.Logger, opts ...Option) *Handler {
	h := &Handler{docs: docs, log: logger, mux: http.NewServeMux(), texter: PlainText}
	for _, o := range opts {
		o(h)
	}
	h.mux.HandleFunc("GET /api/v1/docs/{collection}", h.list)
	h.mux.HandleFunc("GET /api/v1/docs/{collection}/{id}", h.snapshot)
	h.mux.HandleFunc("GET /api/v1/docs/{collection}/{id}/ops", h.ops)
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "ERR_NOT_FOUND", "no such API route: "+r.Method+" "+r.URL.Path)
	})
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.limited(w, r) {
		return
	}
	r, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	limit := defaultListLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxListLimit {
			writeError(w, http.StatusBadRequest, "ERR_BAD_REQUEST", fmt.Sprintf("limit must be an integer from 1 to %d", maxListLimit))
			return
		}
		limit = n
	}
	coll := r.PathValue("collection")
	ids, next, err := h.readableIDs(r, coll, r.URL.Query().Get("after"), limit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	body := map[string]any{"collection": coll}
	if next != "" {
		body["next"] = next
	}
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = id
	}
	body["ids"] = list
	writeJSON(w, http.StatusOK, body)
}

// maxListScan bounds the store pages one list request reads while it
// skips documents the client may not read.
const maxListScan = 20

// readableIDs returns up to limit ids after the id after that the request
// may read, and the cursor of the next page ("" at the end). Without
// authentication it is one store read.
func (h *Handler) readableIDs(r *http.Request, coll, after string, limit int) (ids []string, next string, err error) {
	for range maxListScan {
		page, err := h.docs.List(r.Context(), coll, after, limit+1)
		if err != nil {
			return nil, "", err
		}
		for _, id := range page {
			if !canRead(r, coll, id) {
				continue
			}
			if len(ids) == limit {
				return ids, ids[limit-1], nil
			}
			ids = append(ids, id)
		}
		if len(page) <= limit {
			return ids, "", nil
		}
		after = page[len(page)-1]
	}
	// Many unreadable documents in a row: hand back what was found and
	// where to go on from.
	return ids, after, nil
}

func (h *Handler) snapshot(w http.ResponseWriter, r *http.Request) {
	ctx, coll, id, q := r.Context(), r.PathValue("collection"), r.PathValue("id"), r.URL.Query()
	if forbid(w, r, coll, id) {
		return
	}
	var snap ot.Snapshot
	var err error
	switch {
	case q.Has("v") && q.Has("ts"):
		writeError(w, http.StatusBadRequest, "ERR_BAD_REQUEST", "give v or ts, not both")
		return
	case q.Has("v"):
		v, perr := strconv.ParseInt(q.Get("v"), 10, 64)
		if perr != nil || v < 0 {
			writeError(w, http.StatusBadRequest, "ERR_BAD_REQUEST", "v must be a non-negative integer")
			return
		}
		snap, err = h.docs.SnapshotAt(ctx, coll, id, v)
	case q.Has("ts"):
		ts, perr := strconv.ParseInt(q.Get("ts"), 10, 64)
		if perr != nil {
			writeError(w, http.StatusBadRequest, "ERR_BAD_REQUEST", "ts must be an integer (Unix milliseconds)")
			return
		}
		snap, err = h.docs.SnapshotAtTime(ctx, coll, id, ts)
	default:
		snap, err = h.docs.Snapshot(ctx, coll, id)
	}
	if err != nil {
		h.readError(w, r, err)
		return
	}
	if snap.Version == 0 && snap.Type == "" && !h.exists(w, r, coll, id) {
		return
	}
	switch q.Get("format") {
	case "", "json":
		writeSnapshot(w, snap)
	case "text":
		h.writeText(w, coll, id, snap)
	default:
		writeError(w, http.StatusBadRequest, "ERR_BAD_REQUEST", "format must be json or text")
	}
}

func (h *Handler) writeText(w http.ResponseWriter, coll, id string, snap ot.Snapshot) {
	if snap.Type == "" {
		writeError(w, http.StatusNotFound, "ERR_DOC_DOES_NOT_EXIST", fmt.Sprintf("document %s/%s has no content at version %d", coll, id, snap.Version))
		return
	}
	data, err := tree(snap.Data)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "ERR_INTERNAL", "cannot encode snapshot")
		return
	}
	text, ok := h.texter(snap.Type, data)
	if !ok {
		writeError(w, http.StatusNotAcceptable, "ERR_FORMAT_NOT_SUPPORTED", "plain text export needs a text-unicode or rich-text document")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Weft-Version", strconv.FormatInt(snap.Version, 10))
	_, _ = w.Write([]byte(text))
}

func (h *Handler) ops(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to := int64(0), int64(-1)
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"from", &from}, {"to", &to}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				writeError(w, http.StatusBadRequest, "ERR_BAD_REQUEST", p.name+" must be a non-negative integer")
				return
			}
			*p.dst = n
		}
	}
	if to < 0 || to-from > maxOpsPerRequest {
		to = from + maxOpsPerRequest
	}
	if to < from {
		writeError(w, http.StatusBadRequest, "ERR_BAD_REQUEST", "to must not be less than from")
		return
	}
	coll, id := r.PathValue("collection"), r.PathValue("id")
	if forbid(w, r, coll, id) {
		return
	}
	ops, err := h.docs.Ops(r.Context(), coll, id, from, to)
	if err != nil {
		h.readError(w, r, err)
		return
	}
	if len(ops) == 0 && !h.exists(w, r, coll, id) {
		return
	}
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = OpJSON(op)
	}
	writeJSON(w, http.StatusOK, map[string]any{"collection": coll, "id": id, "ops": list})
}

// exists reports whether the document has ever been written, answering 404
// (or 500) itself when it has not.
func (h *Handler) exists(w http.ResponseWriter, r *http.Request, coll, id string) bool {
	cur, err := h.docs.Snapshot(r.Context(), coll, id)
	if err != nil {
		h.readError(w, r, err)
		return false
	}
	if cur.Version == 0 {
		writeError(w, http.StatusNotFound, "ERR_DOC_DOES_NOT_EXIST", fmt.Sprintf("document %s/%s does not exist", coll, id))
		return false
	}
	return true
}

func (h *Handler) readError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrVersionTooNew) {
		writeError(w, http.StatusBadRequest, "ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT", err.Error())
		return
	}
	h.internal(w, r, err)
}

func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	if errors.Is(err, ErrUnavailable) {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "ERR_UNAVAILABLE", "server draining: retry")
		return
	}
	h.log.ErrorContext(r.Context(), "api request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "ERR_INTERNAL", "internal error")
}

// OpJSON returns op in ShareDB's op-log form: {"v","src","seq","op"|"create"|"del","m":{"ts"}}.
func OpJSON(op ot.Op) map[string]any {
	m := map[string]any{"v": op.Version, "m": map[string]any{"ts": op.Ts}}
	if op.Src != "" {
		m["src"] = op.Src
		m["seq"] = op.Seq
	}
	switch {
	case op.Create != nil:
		c := map[string]any{"type": op.Create.Type}
		if op.Create.Data != nil {
			c["data"] = op.Create.Data
		}
		m["create"] = c
	case op.Del:
		m["del"] = true
	default:
		m["op"] = op.Edit
	}
	return m
}

func writeSnapshot(w http.ResponseWriter, snap ot.Snapshot) {
	body := map[string]any{"v": snap.Version, "type": nil}
	if snap.Type != "" {
		body["type"] = snap.Type
		body["data"] = snap.Data
	}
	writeJSON(w, http.StatusOK, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := ot.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"ERR_INTERNAL","message":"cannot encode response"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func tree(v any) (any, error) {
	b, err := ot.Marshal(v)
	if err != nil {
		return nil, err
	}
	return ot.Decode(b)
}

// PlainText returns the text of a text-unicode or rich-text snapshot given
// as a JSON tree. rich-text embeds are left out, as Quill's getText does.
func PlainText(typeURI string, data any) (string, bool) {
	switch typeURI {
	case "http://sharejs.org/types/text-unicode":
		s, ok := data.(string)
		return s, ok
	case "http://sharejs.org/types/rich-text/v1":
		ops, _ := data.([]any)
		if m, ok := data.(map[string]any); ok {
			ops, _ = m["ops"].([]any)
		}
		var b strings.Builder
		for _, op := range ops {
			if m, ok := op.(map[string]any); ok {
				if s, ok := m["insert"].(string); ok {
					b.WriteString(s)
				}
			}
		}
		return b.String(), true
	}
	return "", false
}
