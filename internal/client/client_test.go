package client_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/client/refserver"
)

func TestCreateFetchSubscribeSubmit(t *testing.T) {
	srv := refserver.Start(t)
	ctx := testCtx(t)
	c1 := dial(t, srv, client.Options{})
	c2 := dial(t, srv, client.Options{})
	if c1.ID() == "" || c1.ID() == c2.ID() {
		t.Fatalf("ids %q and %q: want distinct server-assigned ids", c1.ID(), c2.ID())
	}

	d1 := c1.Get("notes", "a")
	if err := d1.Create(ctx, "json0", map[string]any{"n": 0.0, "title": "hi"}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if v, _ := d1.Version(); v != 1 {
		t.Errorf("version after create = %d, want 1", v)
	}
	d2 := c2.Get("notes", "a")
	if err := d2.Subscribe(ctx); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if got := dataOf(t, d2); got != `{"n":0,"title":"hi"}` {
		t.Errorf("subscribed data = %s", got)
	}
	if !d2.Subscribed() {
		t.Error("Subscribed() = false after Subscribe")
	}
	if err := d1.Submit(ctx, na("n", 5)); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if err := d2.WaitVersion(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if got := dataOf(t, d2); got != `{"n":5,"title":"hi"}` {
		t.Errorf("data after remote op = %s", got)
	}

	// A fetch on a third handle sees the same; Unsubscribe stops delivery.
	c3 := dial(t, srv, client.Options{})
	d3 := c3.Get("notes", "a")
	if err := d3.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := d3.Version(); v != 2 || dataOf(t, d3) != `{"n":5,"title":"hi"}` {
		t.Errorf("fetched v%d %s", v, dataOf(t, d3))
	}
	if err := d2.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if d2.Subscribed() {
		t.Error("Subscribed() = true after Unsubscribe")
	}
	if err := d1.Submit(ctx, na("n", 1)); err != nil {
		t.Fatal(err)
	}
	// d3 was only fetched: Fetch catches up by ops from its version.
	if err := d3.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := d3.Version(); v != 3 || dataOf(t, d3) != `{"n":6,"title":"hi"}` {
		t.Errorf("caught up to v%d %s", v, dataOf(t, d3))
	}
	if v, _ := d2.Version(); v != 2 {
		t.Errorf("unsubscribed doc moved to v%d", v)
	}

	if err := d1.Delete(ctx); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := d3.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := d3.Version(); v != 4 || d3.Type() != nil {
		t.Errorf("after delete: v%d type %v", v, d3.Type())
	}
}

// TestConcurrentNumberSubmits has several clients submit to one number-type
// document at once, many ops each without waiting, so ops are composed while
// one is in flight and remote ops are transformed over local ones.
func TestConcurrentNumberSubmits(t *testing.T) {
	srv := refserver.Start(t)
	ctx := testCtx(t)
	const clients, opsEach = 4, 25
	var docs []*client.Doc
	for i := range clients {
		d := dial(t, srv, client.Options{}).Get("nums", "x")
		if i == 0 {
			if err := d.Create(ctx, "number-type", 100.0); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Subscribe(ctx); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients*opsEach)
	for i, d := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var acks []<-chan error
			for k := range opsEach {
				ch, err := d.SubmitAsync(ctx, float64(i*opsEach+k+1))
				if err != nil {
					errs <- err
					return
				}
				acks = append(acks, ch)
			}
			for _, ch := range acks {
				if err := <-ch; err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("submit: %v", err)
	}
	n := clients * opsEach
	want := fmt.Sprint(100 + n*(n+1)/2)
	check := dial(t, srv, client.Options{}).Get("nums", "x")
	if err := check.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	final, _ := check.Version()
	if got := dataOf(t, check); got != want {
		t.Errorf("server value = %s, want %s", got, want)
	}
	if final < 1+clients || final > 1+int64(n) {
		t.Errorf("final version %d outside [%d, %d]", final, 1+clients, 1+n)
	}
	for i, d := range docs {
		if err := d.WaitVersion(ctx, final); err != nil {
			t.Fatal(err)
		}
		if got := dataOf(t, d); got != want {
			t.Errorf("client %d has %s, want %s", i, got, want)
		}
		if d.HasPendingWrites() {
			t.Errorf("client %d still has pending writes", i)
		}
	}
}

func TestErrors(t *testing.T) {
	srv := refserver.Start(t)
	ctx := testCtx(t)
	c1 := dial(t, srv, client.Options{})
	frames := make(chan []byte, 16)
	c2 := dial(t, srv, client.Options{OnFrame: func(f []byte) bool {
		select {
		case frames <- append([]byte(nil), f...):
		default:
		}
		return true
	}})
	if err := c1.Get("e", "a").Create(ctx, "json0", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	// c2 never fetched the doc, so its create reaches the server.
	d2 := c2.Get("e", "a")
	err := d2.Create(ctx, "json0", map[string]any{"x": 1.0})
	if code := client.ErrorCode(err); code != "ERR_DOC_ALREADY_CREATED" {
		t.Errorf("second create: err %v, code %q", err, code)
	}
	var se *client.Error
	if !errors.As(err, &se) || se.Message != "Invalid op submitted. Document already created" {
		t.Errorf("second create error = %#v", se)
	}
	// The rejected create was rolled back to the server's snapshot.
	if got := dataOf(t, d2); got != `{}` {
		t.Errorf("after rollback data = %s, want {}", got)
	}
	if err := c2.Get("e", "missing").Submit(ctx, na("n", 1)); client.ErrorCode(err) != client.CodeDocDoesNotExist {
		t.Errorf("submit on missing doc: %v", err)
	}
	if err := c2.Get("e", "t").Create(ctx, "no-such-type", nil); client.ErrorCode(err) != "ERR_DOC_TYPE_NOT_RECOGNIZED" {
		t.Errorf("create with unknown type: %v", err)
	}
	if err := c2.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	for len(frames) > 0 {
		<-frames
	}
	if err := c2.SendRaw(ctx, []byte(`{"a":"zz"}`)); err != nil {
		t.Fatal(err)
	}
	var reply struct {
		A     string
		Error client.Error
	}
	for reply.A != "zz" {
		select {
		case f := <-frames:
			_ = json.Unmarshal(f, &reply)
		case <-ctx.Done():
			t.Fatal("no reply to the raw frame")
		}
	}
	if reply.Error.Code != "ERR_MESSAGE_BADLY_FORMED" {
		t.Errorf("raw unknown action: reply error %+v", reply.Error)
	}
}
