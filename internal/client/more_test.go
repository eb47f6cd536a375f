package client_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/client/refserver"
)

// TestReconnectResubmitsOnce loses the ack of a committed op, reconnects,
// and checks that the resent op (same src and seq) is acknowledged by the
// server's dedupe and applied exactly once.
func TestReconnectResubmitsOnce(t *testing.T) {
	srv := refserver.Start(t)
	ctx := testCtx(t)
	var mu sync.Mutex
	var sent []client.SentOp
	var dropAck bool
	var c *client.Conn
	c = dial(t, srv, client.Options{
		OnSent: func(s client.SentOp) {
			mu.Lock()
			defer mu.Unlock()
			sent = append(sent, s)
		},
		OnFrame: func(f []byte) bool {
			var m struct {
				A, Src string
				Seq    int64
				Op     json.RawMessage
			}
			_ = json.Unmarshal(f, &m)
			mu.Lock()
			drop := dropAck && m.A == "op" && m.Op == nil && m.Src != "" && m.Seq == 2
			mu.Unlock()
			if drop {
				go c.Drop()
			}
			return !drop
		},
	})
	id := c.ID()
	d := c.Get("r", "x")
	if err := d.Create(ctx, "number-type", 1.0); err != nil {
		t.Fatal(err)
	}
	if err := d.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	dropAck = true
	mu.Unlock()
	done, err := d.SubmitAsync(ctx, 10.0)
	if err != nil {
		t.Fatal(err)
	}
	<-c.Disconnected()
	if c.Connected() {
		t.Fatal("still connected after Drop")
	}
	mu.Lock()
	dropAck = false
	mu.Unlock()
	if err := c.Reconnect(ctx); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	if c.ID() != id {
		t.Errorf("id after reconnect = %q, want %q", c.ID(), id)
	}
	if err := wait(t, done); err != nil {
		t.Fatalf("resubmitted op: %v", err)
	}
	mu.Lock()
	if len(sent) != 3 || !sent[2].Resend || sent[2].Seq != sent[1].Seq || sent[2].Src != id {
		t.Errorf("sent ops = %+v, want the op resent with seq %d and src %s", sent, sent[1].Seq, id)
	}
	mu.Unlock()
	check := dial(t, srv, client.Options{}).Get("r", "x")
	if err := check.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := check.Version(); v != 2 || dataOf(t, check) != "11" {
		t.Errorf("server has v%d %s, want v2 11 (op applied once)", v, dataOf(t, check))
	}
	// The subscription came back: a remote op reaches d.
	if err := check.Submit(ctx, 5.0); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitVersion(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if got := dataOf(t, d); got != "16" {
		t.Errorf("after resubscribe data = %s, want 16", got)
	}
}

func wait(t *testing.T, ch <-chan error) error {
	select {
	case err := <-ch:
		return err
	case <-testCtx(t).Done():
		t.Fatal("timed out")
		return nil
	}
}

func TestAutoReconnect(t *testing.T) {
	srv := refserver.Start(t)
	ctx := testCtx(t)
	c := dial(t, srv, client.Options{AutoReconnect: true})
	d := c.Get("auto", "x")
	if err := d.Create(ctx, "number-type", 0.0); err != nil {
		t.Fatal(err)
	}
	down := c.Disconnected()
	c.Drop()
	<-down
	// Submitted while down: queued, sent once the reconnect completes.
	if err := d.Submit(ctx, 3.0); err != nil {
		t.Fatalf("submit across reconnect: %v", err)
	}
	if v, _ := d.Version(); v != 2 {
		t.Errorf("version = %d, want 2", v)
	}
}

func TestSnapshotRequests(t *testing.T) {
	srv := refserver.Start(t)
	ctx := testCtx(t)
	c := dial(t, srv, client.Options{})
	d := c.Get("snap", "x")
	if err := d.Create(ctx, "json0", map[string]any{"n": 0.0}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := d.Submit(ctx, na("n", 2)); err != nil {
			t.Fatal(err)
		}
	}
	one := int64(1)
	s, err := c.FetchSnapshot(ctx, "snap", "x", &one)
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 1 || string(s.Data) != `{"n":0}` || s.Type != "http://sharejs.org/types/JSONv0" {
		t.Errorf("nf v1 = %+v (data %s)", s, s.Data)
	}
	if s, err = c.FetchSnapshot(ctx, "snap", "x", nil); err != nil || s.Version != 4 || string(s.Data) != `{"n":6}` {
		t.Errorf("nf current = %+v %s, %v", s, s.Data, err)
	}
	if s, err = c.FetchSnapshot(ctx, "snap", "missing", nil); err != nil || s.Version != 0 || s.Type != "" || s.Data != nil {
		t.Errorf("nf missing = %+v, %v", s, err)
	}
	now := time.Now().UnixMilli() + 1000
	if s, err = c.FetchSnapshotAt(ctx, "snap", "x", &now); err != nil || s.Version != 4 {
		t.Errorf("nt now = %+v, %v", s, err)
	}
	early := int64(1)
	if s, err = c.FetchSnapshotAt(ctx, "snap", "x", &early); err != nil || s.Version != 0 {
		t.Errorf("nt at 1 ms = %+v, %v", s, err)
	}
	far := int64(99)
	_, err = c.FetchSnapshot(ctx, "snap", "x", &far)
	var se *client.Error
	if !asError(err, &se) || se.Message != "Missing ops" {
		t.Errorf("nf beyond the end: %v", err)
	}
}

func TestBulk(t *testing.T) {
	srv := refserver.Start(t)
	ctx := testCtx(t)
	w := dial(t, srv, client.Options{})
	for _, id := range []string{"a", "b"} {
		if err := w.Get("bulk", id).Create(ctx, "number-type", 1.0); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	remote := map[string]int{}
	r := dial(t, srv, client.Options{OnOp: func(op client.RemoteOp) {
		mu.Lock()
		remote[op.Doc]++
		mu.Unlock()
	}})
	if err := r.BulkFetch(ctx, "bulk", []string{"a", "b", "nope"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if v, _ := r.Get("bulk", id).Version(); v != 1 || dataOf(t, r.Get("bulk", id)) != "1" {
			t.Errorf("bf %s: v%d %s", id, v, dataOf(t, r.Get("bulk", id)))
		}
	}
	if v, ok := r.Get("bulk", "nope").Version(); !ok || v != 0 || r.Get("bulk", "nope").Type() != nil {
		t.Errorf("bf missing doc: v%d known %v", v, ok)
	}
	// Ops committed meanwhile come as catch-up ops for the known versions.
	if err := w.Get("bulk", "a").Submit(ctx, 4.0); err != nil {
		t.Fatal(err)
	}
	if err := r.BulkSubscribe(ctx, "bulk", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Get("bulk", "a").Version(); v != 2 || dataOf(t, r.Get("bulk", "a")) != "5" {
		t.Errorf("bs caught a up to v%d %s", v, dataOf(t, r.Get("bulk", "a")))
	}
	if !r.Get("bulk", "a").Subscribed() || !r.Get("bulk", "b").Subscribed() {
		t.Error("bs did not mark the docs subscribed")
	}
	if err := w.Get("bulk", "b").Submit(ctx, 2.0); err != nil {
		t.Fatal(err)
	}
	if err := r.Get("bulk", "b").WaitVersion(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := r.BulkUnsubscribe(ctx, "bulk", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if r.Get("bulk", "a").Subscribed() {
		t.Error("bu left a subscribed")
	}
	mu.Lock()
	if remote["a"] != 1 || remote["b"] != 1 {
		t.Errorf("remote ops seen = %v, want one each", remote)
	}
	mu.Unlock()
}

func TestPresence(t *testing.T) {
	srv := refserver.Start(t)
	ctx := testCtx(t)
	got := make(chan client.Presence, 8)
	c1 := dial(t, srv, client.Options{})
	c2 := dial(t, srv, client.Options{OnPresence: func(p client.Presence) { got <- p }})
	if err := c2.SubscribePresence(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	if err := c1.SubscribePresence(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	if err := c1.SubmitPresence(ctx, "room", "cursor", map[string]any{"x": 1.0}); err != nil {
		t.Fatal(err)
	}
	p := next(t, got)
	if p.Channel != "room" || p.ID != "cursor" || p.Src != c1.ID() || string(p.Value) != `{"x":1}` || p.PV != 0 {
		t.Errorf("presence = %+v (%s)", p, p.Value)
	}
	if err := c1.SubmitPresence(ctx, "room", "cursor", nil); err != nil {
		t.Fatal(err)
	}
	if p := next(t, got); p.Value != nil || p.PV != 1 {
		t.Errorf("removed presence = %+v (%s)", p, p.Value)
	}
	if err := c1.UnsubscribePresence(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	// Document presence needs a type with transformPresence; json0 has none.
	d := c1.Get("p", "doc")
	if err := d.Create(ctx, "json0", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	err := d.SubmitPresence(ctx, "c", map[string]any{"i": 0.0})
	if code := client.ErrorCode(err); code != "ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE" {
		t.Errorf("json0 doc presence: %v", err)
	}
}

func next(t *testing.T, ch <-chan client.Presence) client.Presence {
	select {
	case p := <-ch:
		return p
	case <-testCtx(t).Done():
		t.Fatal("no presence received")
		return client.Presence{}
	}
}
