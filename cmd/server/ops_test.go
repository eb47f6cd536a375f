package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/ot/types"
	"github.com/weftdev/weft/internal/session"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// inproc is a server running in the test process.
type inproc struct {
	s      *server
	base   string // http://127.0.0.1:port
	ws     string // ws://127.0.0.1:port/ws
	logs   *syncBuffer
	cancel context.CancelCauseFunc
	done   chan error
}

// startInProcess builds the server from args (an embedded store in a
// temporary directory unless args say otherwise) and serves it on a
// loopback port until stopped (with cause) or the test ends.
func startInProcess(t *testing.T, args ...string) *inproc {
	t.Helper()
	args = append([]string{"--data-dir", t.TempDir(), "--log-format", "json"}, args...)
	cfg, err := parseConfig(args, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv, err := newServer(context.Background(), cfg, newLogger(cfg, logs))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	p := &inproc{s: srv, base: "http://" + ln.Addr().String(), ws: "ws://" + ln.Addr().String() + "/ws",
		logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- srv.serve(ctx, ln) }()
	t.Cleanup(func() { p.stop(t, context.Canceled) })
	return p
}

// stop drains the server with cause and waits for serve to return.
func (p *inproc) stop(t *testing.T, cause error) error {
	t.Helper()
	p.cancel(cause)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not stop within 60s\n%s", p.logs)
		return nil
	}
}

// scrape returns /metrics as series (name with labels) -> value.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	code, body := httpGet(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func dialClient(t *testing.T, ctx context.Context, url string) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctx, url, client.Options{Registry: types.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestMetricsAfterWorkload runs a scripted workload and checks that
// /metrics counts it.
func TestMetricsAfterWorkload(t *testing.T) {
	p := startInProcess(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, b := dialClient(t, ctx, p.ws), dialClient(t, ctx, p.ws)
	da, db := a.Get("notes", "m1"), b.Get("notes", "m1")
	if err := da.Create(ctx, "text-unicode", ""); err != nil {
		t.Fatal(err)
	}
	if err := db.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		op := []any{"x"}
		if i > 0 {
			op = []any{float64(i), "x"}
		}
		if err := da.Submit(ctx, op); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
	}
	raw, _, err := websocket.Dial(ctx, p.ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.CloseNow()
	if err := raw.Write(ctx, websocket.MessageText, []byte(`{"a":`)); err != nil {
		t.Fatal(err)
	}
	if _, reply, err := raw.Read(ctx); err != nil || !strings.Contains(string(reply), session.CodeBadMessage) {
		t.Fatalf("malformed message reply %q, %v", reply, err)
	}
	m := scrape(t, p.base)
	checks := []struct {
		series string
		ok     func(float64) bool
		want   string
	}{
		{`weft_ops_committed_total{type="text-unicode"}`, func(v float64) bool { return v >= n+1 }, fmt.Sprintf(">= %d", n+1)},
		{`weft_submit_ack_seconds_count`, func(v float64) bool { return v >= n+1 }, fmt.Sprintf(">= %d", n+1)},
		{`weft_submit_ack_seconds_sum`, func(v float64) bool { return v > 0 }, "> 0"},
		{`weft_commit_ops_count`, func(v float64) bool { return v >= 1 && v <= n+1 }, "1..41"},
		{`weft_commit_ops_sum`, func(v float64) bool { return v == n+1 }, "41"},
		{`weft_commit_documents_count`, func(v float64) bool { return v >= 1 }, ">= 1"},
		{`weft_connections`, func(v float64) bool { return v == 3 }, "3 (two clients and the raw socket)"},
		{`weft_open_documents`, func(v float64) bool { return v == 1 }, "1"},
		{`weft_rejected_messages_total{reason="ERR_MESSAGE_BADLY_FORMED"}`, func(v float64) bool { return v == 1 }, "1"},
		{`weft_dependency_up{dependency="store"}`, func(v float64) bool { return v == 1 }, "1"},
		{`weft_transform_retries_total`, func(v float64) bool { return v == 0 }, "0 (one instance)"},
		{`weft_slow_clients_disconnected_total`, func(v float64) bool { return v == 0 }, "0"},
		{`weft_pubsub_gaps_filled_total`, func(v float64) bool { return v == 0 }, "0"},
	}
	for _, c := range checks {
		v, ok := m[c.series]
		if !ok || !c.ok(v) {
			t.Errorf("%s = %v (present %v), want %s", c.series, v, ok, c.want)
		}
	}
	if _, ok := m["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
	// The gauge follows connections as they close.
	b.Close()
	raw.CloseNow()
	deadline := time.Now().Add(30 * time.Second)
	for scrape(t, p.base)["weft_connections"] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("weft_connections = %v after closing two of three, want 1", scrape(t, p.base)["weft_connections"])
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// TestSIGTERMDrainTurnsNotReadyAndCloses1012 drains as on SIGTERM: while
// a client that never answers the close handshake holds the drain open,
// /readyz is 503 naming the drain and upgrades are refused with 503;
// other clients are closed with 1012 and everything acknowledged is kept.
func TestSIGTERMDrainTurnsNotReadyAndCloses1012(t *testing.T) {
	p := startInProcess(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if code, body := httpGet(t, p.base+"/readyz"); code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Fatalf("/readyz before the drain = %d %s", code, body)
	}
	c := dialClient(t, ctx, p.ws)
	d := c.Get("notes", "drain")
	if err := d.Create(ctx, "text-unicode", "kept"); err != nil {
		t.Fatal(err)
	}
	// The listener: a socket that reads nothing after the upgrade, so the
	// server waits for its close frame (coder/websocket gives up after 5+5 s).
	stuck, _, err := websocket.Dial(ctx, p.ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.CloseNow()
	watcher, _, err := websocket.Dial(ctx, p.ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.CloseNow()
	p.cancel(errTerminated)
	_, _, err = watcher.Read(ctx)
	if code := websocket.CloseStatus(err); code != session.CloseServiceRestart {
		t.Fatalf("client closed with %v (%v), want 1012", code, err)
	}
	code, body := httpGet(t, p.base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"draining":true`) {
		t.Errorf("/readyz during the drain = %d %s, want 503 naming the drain", code, body)
	}
	if _, resp, err := websocket.Dial(ctx, p.ws, nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("upgrade during the drain: %v %v, want 503", resp, err)
	}
	if err := p.stop(t, errTerminated); err != nil {
		t.Fatalf("drain: %v", err)
	}
	if !strings.Contains(p.logs.String(), `"close_code":1012`) {
		t.Errorf("drain log does not name 1012:\n%s", p.logs)
	}
}

// TestInterruptDrainCloses1001 drains as on SIGINT: clients get 1001.
func TestInterruptDrainCloses1001(t *testing.T) {
	p := startInProcess(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, p.ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	p.cancel(fmt.Errorf("interrupt received"))
	_, _, err = ws.Read(ctx)
	if code := websocket.CloseStatus(err); code != session.CloseGoingAway {
		t.Errorf("closed with %v (%v), want 1001", code, err)
	}
	if err := p.stop(t, nil); err != nil {
		t.Fatal(err)
	}
}

// TestRequestIDEchoedAndLogged checks X-Request-Id: echoed when sane,
// replaced when not, and carried by a WebSocket connection's log lines
// together with its connection id.
func TestRequestIDEchoedAndLogged(t *testing.T) {
	p := startInProcess(t, "--max-message-bytes", "2048")
	for _, c := range []struct{ in, want string }{
		{"abc-123", "abc-123"},
		{"", ""},
		{"bad id\"with quotes", ""},
	} {
		req, _ := http.NewRequest("GET", p.base+"/healthz", nil)
		if c.in != "" {
			req.Header.Set("X-Request-Id", c.in)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("X-Request-Id")
		if c.want != "" && got != c.want || c.want == "" && (len(got) != 16 || got == c.in) {
			t.Errorf("X-Request-Id %q answered %q, want %q (or a fresh 16-hex id)", c.in, got, c.want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, p.ws, &websocket.DialOptions{HTTPHeader: http.Header{"X-Request-Id": {"ws-req-7"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	_ = ws.Write(ctx, websocket.MessageText, []byte(`{"a":"pp","pad":"`+strings.Repeat("x", 4096)+`"}`))
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("oversize message: %v, want 1009", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.logs.String(), `"msg":"message too big: closing"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line for the oversize message:\n%s", p.logs)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	for _, line := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(line, "message too big") {
			if !strings.Contains(line, `"request_id":"ws-req-7"`) || !strings.Contains(line, `"conn":"`) {
				t.Errorf("connection log line lacks request_id or conn: %s", line)
			}
		}
	}
	if m := scrape(t, p.base); m[`weft_rejected_messages_total{reason="message_too_big"}`] != 1 {
		t.Errorf("message_too_big rejections = %v, want 1", m[`weft_rejected_messages_total{reason="message_too_big"}`])
	}
}

// otlpReceiver is an OTLP/HTTP trace endpoint that keeps the span names it
// receives.
type otlpReceiver struct {
	mu    sync.Mutex
	names []string
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if r.URL.Path != "/v1/traces" || err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var req collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				o.names = append(o.names, s.Name)
			}
		}
	}
	o.mu.Unlock()
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// TestTracesReachOTLPEndpoint configures OTLP export through the standard
// environment variable, serves a REST request and commits ops, and checks
// that both kinds of span reach the collector once the server drains.
func TestTracesReachOTLPEndpoint(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	cfg, err := parseConfig([]string{"--data-dir", t.TempDir()}, env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}), io.Discard)
	if err != nil || cfg.OTLPEndpoint != collector.URL {
		t.Fatalf("config %q, %v", cfg.OTLPEndpoint, err)
	}
	p := startInProcess(t, "--otlp-endpoint", collector.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := dialClient(t, ctx, p.ws)
	if err := c.Get("notes", "traced").Create(ctx, "text-unicode", "t"); err != nil {
		t.Fatal(err)
	}
	if code, _ := httpGet(t, p.base+"/api/v1/docs/notes/traced"); code != 200 {
		t.Fatalf("REST = %d", code)
	}
	c.Close()
	if err := p.stop(t, nil); err != nil {
		t.Fatal(err)
	}
	recv.mu.Lock()
	names := strings.Join(recv.names, "|")
	recv.mu.Unlock()
	if !strings.Contains(names, "weft.store.commit") || !strings.Contains(names, "/api/v1/docs/") {
		t.Errorf("spans received: %q, want a store commit and a REST request", names)
	}
}

// TestNoTracingWithoutEndpoint checks that no exporter means no tracer.
func TestNoTracingWithoutEndpoint(t *testing.T) {
	p := startInProcess(t)
	if p.s.tracing != nil {
		t.Error("tracing set up without an endpoint")
	}
}

// TestCheckConfigAndHealthcheck runs the built binary's --check-config and
// healthcheck subcommand.
func TestCheckConfigAndHealthcheck(t *testing.T) {
	bin := binary(t)
	out, err := exec.Command(bin, "--check-config", "--data-dir", t.TempDir()).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "configuration OK") {
		t.Errorf("--check-config on a good configuration: %v %s", err, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--postgres-url", "postgres://u@h:notaport/db"}, "postgres url"},
		{[]string{"--redis-url", "redis://127.0.0.1:1/0"}, "needs --postgres-url"},
		{[]string{"--postgres-url", "postgres://h/db", "--redis-url", "mongo://x"}, "redis url"},
		{[]string{"--otlp-endpoint", "collector:4318"}, "otlp endpoint"},
		{[]string{"--addr", "8080"}, "addr"},
		{[]string{"--shutdown-timeout", "0s"}, "durations must be positive"},
	} {
		cmd := exec.Command(bin, append([]string{"--check-config"}, c.args...)...)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), c.want) {
			t.Errorf("--check-config %q: %v %s, want exit 1 naming %q", c.args, err, out, c.want)
		}
	}
	p := startBinary(t, t.TempDir())
	_, port, _ := net.SplitHostPort(p.addr)
	if out, err := exec.Command(bin, "healthcheck", "--addr", ":"+port).CombinedOutput(); err != nil {
		t.Errorf("healthcheck of a running server: %v %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if out, err := exec.Command(bin, "healthcheck", "--addr", closed).CombinedOutput(); err == nil || !strings.Contains(string(out), "healthcheck") {
		t.Errorf("healthcheck of nothing: %v %s, want a failure", err, out)
	}
	p.stop(t)
}
