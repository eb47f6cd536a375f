package session

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/pubsub"
)

// signalHandler reports log records whose message matches to a channel.
type signalHandler struct {
	slog.Handler
	msg string
	ch  chan struct{}
}

func (h signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h signalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return signalHandler{Handler: h.Handler.WithAttrs(as), msg: h.msg, ch: h.ch}
}

func (h signalHandler) WithGroup(name string) slog.Handler {
	return signalHandler{Handler: h.Handler.WithGroup(name), msg: h.msg, ch: h.ch}
}

func TestSlowConsumerDisconnectedAndRecovers(t *testing.T) {
	kicked := make(chan struct{}, 1)
	e := newEnv(t, func(o *Options) {
		o.SendQueue = 4
		o.Logger = slog.New(signalHandler{Handler: o.Logger.Handler(), msg: "slow consumer disconnected", ch: kicked})
	})
	w := dial(t, e, "writer")
	w.sendRaw(`{"a":"op","c":"k","d":"x","seq":1,"create":{"type":"test-counter","data":0}}`)
	w.read()
	slow := dial(t, e, "slow")
	slow.sendRaw(`{"a":"s","c":"k","d":"x"}`)
	slow.read()
	pad := strings.Repeat("p", 64<<10)
	v := 1
	for ; ; v++ {
		w.send(map[string]any{"a": "op", "c": "k", "d": "x", "v": v, "seq": v + 1, "op": map[string]any{"n": 1, "pad": pad}})
		w.read()
		select {
		case <-kicked:
		default:
			continue
		}
		break
	}
	last := int64(1)
	for {
		m, err := (&simClient{ws: slow.ws}).readMsg()
		if err != nil {
			if code := closeCode(err); code != CloseSlowConsumer {
				t.Fatalf("slow client closed with %v, want %v", code, CloseSlowConsumer)
			}
			break
		}
		if got := int64(m["v"].(float64)); got != last {
			t.Fatalf("slow client got v%d, want v%d (no op skipped)", got, last)
		}
		last++
	}
	// Reconnect and resubscribe from the last version seen: catch up.
	again := dial(t, e, "slow")
	again.send(map[string]any{"a": "s", "c": "k", "d": "x", "v": last})
	for {
		m := again.read()
		if m["a"] == "s" {
			break
		}
		if got := int64(m["v"].(float64)); got != last {
			t.Fatalf("catch-up op v%d, want v%d", got, last)
		}
		last++
	}
	if last != int64(v+1) {
		t.Errorf("recovered to v%d, want v%d", last, v+1)
	}
	w.sendRaw(`{"a":"pp"}`)
	w.expect(`{"a":"pp"}`)
}

func TestShutdownGoingAwayKeepsAckedOps(t *testing.T) {
	st := newMemStore()
	o := Options{Store: st, Registry: testRegistry(), Logger: testLogger(t), SnapshotEvery: 1000}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{m: m, store: st}
	srv := newServer(t, m)
	e.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"op","c":"k","d":"x","seq":1,"create":{"type":"test-counter","data":0}}`)
	a.read()
	acked := 1
	for i := 1; i <= 20; i++ {
		a.send(map[string]any{"a": "op", "c": "k", "d": "x", "v": i, "seq": i + 1, "op": 1})
		a.read()
		acked++
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Shutdown(ctx) }()
	if code := a.closeStatus(); code != CloseGoingAway {
		t.Errorf("close code %v, want %v", code, CloseGoingAway)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := m.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if n := len(st.opsOf("k", "x")); n != acked {
		t.Errorf("stored %d ops, acknowledged %d", n, acked)
	}
	snap, _ := st.Snapshot(ctx, "k", "x", -1)
	if snap.Version != int64(acked) || snap.Data != 20.0 {
		t.Errorf("snapshot written at shutdown = %+v, want v%d data 20", snap, acked)
	}
	if _, err := m.Fetch(ctx, "k", "x"); err != ErrShutdown {
		t.Errorf("Fetch after Shutdown: %v, want ErrShutdown", err)
	}
}

func TestTwoManagersConverge(t *testing.T) {
	st := newMemStore()
	bus := pubsub.NewMemory(0)
	t.Cleanup(func() { bus.Close() })
	e1 := newEnvWith(t, st, bus, nil)
	e2 := newEnvWith(t, st, bus, nil)
	a := dial(t, e1, "A")
	b := dial(t, e2, "B")
	a.sendRaw(`{"a":"op","c":"t","d":"doc","seq":1,"create":{"type":"test-text","data":""}}`)
	a.read()
	b.sendRaw(`{"a":"s","c":"t","d":"doc","v":null}`)
	b.expect(`{"data":{"v":1,"data":"","type":"` + textURI + `"},"a":"s","c":"t","d":"doc"}`)
	a.sendRaw(`{"a":"s","c":"t","d":"doc","v":1}`)
	a.expect(`{"a":"s","c":"t","d":"doc"}`)
	// Both submit at v1 concurrently, through different Managers: one
	// commit loses the version race, reloads, transforms and retries.
	a.sendRaw(`{"a":"op","c":"t","d":"doc","v":1,"seq":2,"op":{"p":0,"i":"a"}}`)
	b.sendRaw(`{"a":"op","c":"t","d":"doc","v":1,"seq":1,"op":{"p":0,"i":"b"}}`)
	sa := &simClient{ws: a.ws, id: "A", version: 1, seq: 2, flight: &textOp{p: 0, ins: "a"}, text: "a"}
	sb := &simClient{ws: b.ws, id: "B", version: 1, seq: 1, flight: &textOp{p: 0, ins: "b"}, text: "b"}
	for _, s := range []*simClient{sa, sb} {
		for s.version < 3 || s.flight != nil {
			m, err := s.readMsg()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.handle(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sa.text != sb.text || len(sa.text) != 2 {
		t.Errorf("clients diverged: %q vs %q", sa.text, sb.text)
	}
	for _, e := range []*testEnv{e1, e2} {
		s, err := e.m.Fetch(context.Background(), "t", "doc")
		if err != nil || s.Version != 3 || string(s.Data) != mustJSON(sa.text) {
			t.Errorf("manager snapshot = %+v, %v; want v3 %q", s, err, sa.text)
		}
	}
	if n := len(st.opsOf("t", "doc")); n != 3 {
		t.Errorf("stored %d ops, want 3", n)
	}
}

func TestKeepaliveTimeoutCloses(t *testing.T) {
	timedOut := make(chan struct{}, 1)
	e := newEnv(t, func(o *Options) {
		o.PingInterval, o.PingTimeout = 20*time.Millisecond, 20*time.Millisecond
		o.Logger = slog.New(signalHandler{Handler: o.Logger.Handler(), msg: "keepalive timeout", ch: timedOut})
	})
	// A client that does not read never answers pings (its reader sends
	// the pongs): the server drops it.
	silent := dialRaw(t, e.url, nil)
	<-timedOut
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := silent.ws.Read(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatalf("silent client still connected")
			}
			break
		}
	}
}
