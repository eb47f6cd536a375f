package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/weftdev/weft/internal/api"
	"github.com/weftdev/weft/internal/ot"
)

const (
	textURI = "http://sharejs.org/types/text-unicode"
	richURI = "http://sharejs.org/types/rich-text/v1"
)

// fakeDocs holds fixed histories: each document is a list of snapshots, one
// per version, and the ops between them.
type fakeDocs struct {
	snaps map[string][]ot.Snapshot
	ops   map[string][]ot.Op
}

func (f *fakeDocs) Snapshot(_ context.Context, c, id string) (ot.Snapshot, error) {
	s := f.snaps[c+"/"+id]
	if len(s) == 0 {
		return ot.Snapshot{}, nil
	}
	return s[len(s)-1], nil
}

func (f *fakeDocs) SnapshotAt(_ context.Context, c, id string, v int64) (ot.Snapshot, error) {
	s := f.snaps[c+"/"+id]
	if v >= int64(len(s)) && !(v == 0 && len(s) == 0) {
		return ot.Snapshot{}, fmt.Errorf("fetch v%d: %w", v, api.ErrVersionTooNew)
	}
	if len(s) == 0 {
		return ot.Snapshot{}, nil
	}
	return s[v], nil
}

func (f *fakeDocs) SnapshotAtTime(_ context.Context, c, id string, ts int64) (ot.Snapshot, error) {
	var out ot.Snapshot
	for _, s := range f.snaps[c+"/"+id] {
		if s.Ts <= ts {
			out = s
		}
	}
	return out, nil
}

func (f *fakeDocs) Ops(_ context.Context, c, id string, from, to int64) ([]ot.Op, error) {
	var out []ot.Op
	for _, op := range f.ops[c+"/"+id] {
		if op.Version >= from && (to < 0 || op.Version < to) {
			out = append(out, op)
		}
	}
	return out, nil
}

func (f *fakeDocs) List(_ context.Context, c, after string, limit int) ([]string, error) {
	var ids []string
	for k := range f.snaps {
		if coll, id, _ := strings.Cut(k, "/"); coll == c && id > after {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

func newServer(t *testing.T, opts ...api.Option) *httptest.Server {
	t.Helper()
	f := &fakeDocs{snaps: map[string][]ot.Snapshot{}, ops: map[string][]ot.Op{}}
	f.snaps["notes/a"] = []ot.Snapshot{
		{Version: 0},
		{Version: 1, Type: textURI, Data: "", Ts: 100},
		{Version: 2, Type: textURI, Data: "héllo 😀", Ts: 200},
	}
	f.ops["notes/a"] = []ot.Op{
		{Version: 0, Src: "c1", Seq: 1, Create: &ot.Create{Type: textURI}, Ts: 100},
		{Version: 1, Src: "c1", Seq: 2, Edit: []any{"héllo 😀"}, Ts: 200},
	}
	f.snaps["notes/b"] = []ot.Snapshot{{Version: 0}, {Version: 1, Type: richURI, Ts: 5,
		Data: map[string]any{"ops": []any{map[string]any{"insert": "Hi "}, map[string]any{"insert": map[string]any{"image": "x.png"}}, map[string]any{"insert": "there\n", "attributes": map[string]any{"bold": true}}}}}}
	f.snaps["notes/c"] = []ot.Snapshot{{Version: 0}, {Version: 1, Type: "http://sharejs.org/types/JSONv0", Data: map[string]any{"n": 1.0}}, {Version: 2}}
	f.snaps["other/z"] = []ot.Snapshot{{Version: 0}, {Version: 1, Type: textURI, Data: "z"}}
	srv := httptest.NewServer(api.New(f, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestRoutes(t *testing.T) {
	srv := newServer(t)
	for _, c := range []struct {
		path   string
		status int
		body   string
	}{
		{"/api/v1/docs/notes/a", 200, `{"data":"héllo 😀","type":"` + textURI + `","v":2}`},
		{"/api/v1/docs/notes/a?v=1", 200, `{"data":"","type":"` + textURI + `","v":1}`},
		{"/api/v1/docs/notes/a?v=0", 200, `{"type":null,"v":0}`},
		{"/api/v1/docs/notes/a?v=9", 400, `{"error":{"code":"ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT","message":"fetch v9: version is newer than the current snapshot"}}`},
		{"/api/v1/docs/notes/a?v=-1", 400, `{"error":{"code":"ERR_BAD_REQUEST","message":"v must be a non-negative integer"}}`},
		{"/api/v1/docs/notes/a?v=1&ts=3", 400, `{"error":{"code":"ERR_BAD_REQUEST","message":"give v or ts, not both"}}`},
		{"/api/v1/docs/notes/a?ts=150", 200, `{"data":"","type":"` + textURI + `","v":1}`},
		{"/api/v1/docs/notes/a?format=text", 200, `héllo 😀`},
		{"/api/v1/docs/notes/a?format=xml", 400, `{"error":{"code":"ERR_BAD_REQUEST","message":"format must be json or text"}}`},
		{"/api/v1/docs/notes/b?format=text", 200, "Hi there"},
		{"/api/v1/docs/notes/c", 200, `{"type":null,"v":2}`},
		{"/api/v1/docs/notes/c?v=1&format=text", 406, `{"error":{"code":"ERR_FORMAT_NOT_SUPPORTED","message":"plain text export needs a text-unicode or rich-text document"}}`},
		{"/api/v1/docs/notes/nope", 404, `{"error":{"code":"ERR_DOC_DOES_NOT_EXIST","message":"document notes/nope does not exist"}}`},
		{"/api/v1/docs/notes/nope?v=0", 404, `{"error":{"code":"ERR_DOC_DOES_NOT_EXIST","message":"document notes/nope does not exist"}}`},
		{"/api/v1/docs/notes/nope/ops", 404, `{"error":{"code":"ERR_DOC_DOES_NOT_EXIST","message":"document notes/nope does not exist"}}`},
		{"/api/v1/docs/notes/a/ops?from=1", 200, `{"collection":"notes","id":"a","ops":[{"m":{"ts":200},"op":["héllo 😀"],"seq":2,"src":"c1","v":1}]}`},
		{"/api/v1/docs/notes/a/ops?from=0&to=1", 200, `{"collection":"notes","id":"a","ops":[{"create":{"type":"` + textURI + `"},"m":{"ts":100},"seq":1,"src":"c1","v":0}]}`},
		{"/api/v1/docs/notes/a/ops?from=x", 400, `{"error":{"code":"ERR_BAD_REQUEST","message":"from must be a non-negative integer"}}`},
		{"/api/v1/docs/notes/a/ops?from=2&to=1", 400, `{"error":{"code":"ERR_BAD_REQUEST","message":"to must not be less than from"}}`},
		{"/api/v1/docs/notes", 200, `{"collection":"notes","ids":["a","b","c"]}`},
		{"/api/v1/docs/notes?limit=2", 200, `{"collection":"notes","ids":["a","b"],"next":"b"}`},
		{"/api/v1/docs/notes?limit=2&after=b", 200, `{"collection":"notes","ids":["c"]}`},
		{"/api/v1/docs/notes?limit=0", 400, `{"error":{"code":"ERR_BAD_REQUEST","message":"limit must be an integer from 1 to 1000"}}`},
		{"/api/v1/nothing", 404, `{"error":{"code":"ERR_NOT_FOUND","message":"no such API route: GET /api/v1/nothing"}}`},
	} {
		status, body := get(t, srv, c.path)
		if status != c.status || body != c.body {
			t.Errorf("GET %s = %d %s\nwant %d %s", c.path, status, body, c.status, c.body)
		}
	}
}

// drainingDocs answers every snapshot read as a draining server does.
type drainingDocs struct{ *fakeDocs }

func (drainingDocs) Snapshot(context.Context, string, string) (ot.Snapshot, error) {
	return ot.Snapshot{}, fmt.Errorf("fetch: %w", api.ErrUnavailable)
}

func TestDrainingAnswers503(t *testing.T) {
	srv := httptest.NewServer(api.New(drainingDocs{&fakeDocs{}}, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/docs/notes/a")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "ERR_UNAVAILABLE") {
		t.Errorf("draining read = %d %q (Retry-After %q), want 503 ERR_UNAVAILABLE", resp.StatusCode, b, resp.Header.Get("Retry-After"))
	}
}

// TestRateLimited: past its burst a client gets 429 with Retry-After and
// ERR_RATE_LIMITED, before authentication; other clients are served.
func TestRateLimited(t *testing.T) {
	byHeader := func(r *http.Request) netip.Addr {
		if ip, err := netip.ParseAddr(r.Header.Get("X-Test-Client")); err == nil {
			return ip
		}
		return netip.MustParseAddr("192.0.2.1")
	}
	// A slow refill (one token per 1000 s): the test never sees one.
	var refused []string
	var mu sync.Mutex
	onRefused := func(_ *http.Request, ip netip.Addr) {
		mu.Lock()
		refused = append(refused, ip.String())
		mu.Unlock()
	}
	srv := newServer(t, api.WithRateLimit(0.001, 2, byHeader, onRefused), api.WithAuthenticator(denyAll{}))
	do := func(client string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/docs/notes/a", nil)
		req.Header.Set("X-Test-Client", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := range 2 {
		if resp := do("198.51.100.7"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request %d within the burst: %d, want 401 (authentication runs)", i+1, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/docs/notes/a", nil)
	req.Header.Set("X-Test-Client", "198.51.100.7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over the burst: %d %s, want 429", resp.StatusCode, b)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", resp.Header.Get("Retry-After"))
	}
	want := `{"error":{"code":"ERR_RATE_LIMITED","message":"too many requests from this address: at most 0.001 a second, in bursts of 2"}}`
	if got := strings.TrimSpace(string(b)); got != want {
		t.Errorf("body %s, want %s", got, want)
	}
	if resp := do("198.51.100.8"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another client: %d, want 401", resp.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(refused) != 1 || refused[0] != "198.51.100.7" {
		t.Errorf("refusals reported: %q, want one for 198.51.100.7", refused)
	}
}

// denyAll refuses every request.
type denyAll struct{}

func (denyAll) Authenticate(*http.Request) (api.Principal, error) {
	return nil, errors.New("no credentials")
}
