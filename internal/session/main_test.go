package session

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/weftdev/weft/internal/ot"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := waitNoLeaks(); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitNoLeaks returns the stacks of goroutines still running package or
// websocket code once they had a chance to exit (stdlib only leak check).
func waitNoLeaks() string {
	var leaked string
	for i := 0; i < 200; i++ {
		leaked = ""
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "internal/session.") && !strings.Contains(g, "TestMain") ||
				strings.Contains(g, "coder/websocket") || strings.Contains(g, "internal/pubsub.") {
				leaked += g + "\n\n"
			}
		}
		if leaked == "" {
			return ""
		}
		time.Sleep(10 * time.Millisecond) // let exiting goroutines finish
	}
	return leaked
}

// testEnv is a Manager behind an httptest server.
type testEnv struct {
	m     *Manager
	srv   *httptest.Server
	store *memStore
	url   string
}

func newEnv(t testing.TB, mod func(*Options)) *testEnv {
	t.Helper()
	st := newMemStore()
	return newEnvWith(t, st, nil, mod)
}

func newEnvWith(t testing.TB, st *memStore, ps PubSub, mod func(*Options)) *testEnv {
	t.Helper()
	o := Options{Store: st, PubSub: ps, Registry: testRegistry(), Logger: testLogger(t)}
	if mod != nil {
		mod(&o)
	}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, m)
	return &testEnv{m: m, srv: srv, store: st, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// newServer serves m and shuts both down when the test ends.
func newServer(t testing.TB, m *Manager) *httptest.Server {
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	})
	return srv
}

func closeCode(err error) websocket.StatusCode { return websocket.CloseStatus(err) }

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tlogWriter struct{ t testing.TB }

func (w tlogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// tclient is a raw protocol client for tests.
type tclient struct {
	t  testing.TB
	ws *websocket.Conn
	id string
}

func dial(t testing.TB, e *testEnv, id string) *tclient {
	t.Helper()
	c := dialRaw(t, e.url, nil)
	hs := map[string]any{"a": "hs", "protocol": 1, "protocolMinor": 2, "id": nil}
	if id != "" {
		hs["id"] = id
	}
	c.send(hs)
	r := c.read()
	if r["a"] != "hs" || r["protocol"] != 1.0 || r["type"] != json0URI {
		t.Fatalf("hs reply = %v", r)
	}
	c.id = r["id"].(string)
	return c
}

func dialRaw(t testing.TB, url string, opts *websocket.DialOptions) *tclient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(64 << 20)
	c := &tclient{t: t, ws: ws}
	t.Cleanup(func() { _ = ws.CloseNow() })
	return c
}

func (c *tclient) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(b))
}

func (c *tclient) sendRaw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *tclient) readRaw() []byte {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, b, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		c.t.Fatalf("server sent a binary frame")
	}
	return b
}

func (c *tclient) read() map[string]any {
	c.t.Helper()
	b := c.readRaw()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("server sent %q: %v", b, err)
	}
	return m
}

// expect reads one message and compares it with want as JSON.
func (c *tclient) expect(want string) map[string]any {
	c.t.Helper()
	b := c.readRaw()
	if !sameJSON(b, []byte(want)) {
		c.t.Fatalf("got  %s\nwant %s", b, want)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// closeStatus reads until the connection closes and returns the close code.
func (c *tclient) closeStatus() websocket.StatusCode {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if _, _, err := c.ws.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func mustJSON(v any) string {
	b, err := ot.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
