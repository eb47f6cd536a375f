package session

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/pubsub"
)

// failingBus is a PubSub whose Publish fails while down is set, as Redis
// does while unreachable.
type failingBus struct {
	PubSub
	down  atomic.Bool
	tries atomic.Int64 // Publish calls while down
}

func (b *failingBus) Publish(ctx context.Context, channel string, msg []byte) error {
	if b.down.Load() {
		b.tries.Add(1)
		return errors.New("bus unreachable")
	}
	return b.PubSub.Publish(ctx, channel, msg)
}

// TestFailedPublishIsRetried: an op whose publish failed reaches the other
// instance once the bus is back, with no further op and no head check (it
// is off): the publisher keeps the latest message and republishes it.
func TestFailedPublishIsRetried(t *testing.T) {
	st := newMemStore()
	bus := pubsub.NewMemory(0)
	t.Cleanup(func() { bus.Close() })
	flaky := &failingBus{PubSub: bus}
	noHeadCheck := func(o *Options) { o.HeadCheckInterval = -1 }
	e1 := newEnvWith(t, st, flaky, noHeadCheck)
	e2 := newEnvWith(t, st, bus, noHeadCheck)
	a := dial(t, e1, "A")
	b := dial(t, e2, "B")
	a.sendRaw(`{"a":"op","c":"t","d":"doc","seq":1,"create":{"type":"test-text","data":""}}`)
	a.read()
	b.sendRaw(`{"a":"s","c":"t","d":"doc","v":null}`)
	b.expect(`{"data":{"v":1,"data":"","type":"` + textURI + `"},"a":"s","c":"t","d":"doc"}`)

	flaky.down.Store(true)
	a.sendRaw(`{"a":"op","c":"t","d":"doc","v":1,"seq":2,"op":{"p":0,"i":"a"}}`)
	a.expect(`{"src":"A","seq":2,"v":1,"a":"op","c":"t","d":"doc"}`) // committed, publish failed
	waitFor(t, "a failed publish", func() bool { return flaky.tries.Load() > 0 })
	flaky.down.Store(false)
	b.expect(`{"a":"op","c":"t","d":"doc","v":1,"src":"A","seq":2,"op":{"p":0,"i":"a"}}`)
}

// batchBus records what reaches it, call by call. The first call signals
// entered and blocks until release is closed, so that messages queue up
// behind it; the second call fails.
type batchBus struct {
	PubSub
	entered, release chan struct{}
	calls            chan []string // "channel=msg" per message of each call
	n                atomic.Int64
}

func (b *batchBus) record(channels []string, msgs [][]byte) error {
	n := b.n.Add(1)
	if n == 1 {
		close(b.entered)
		<-b.release
	}
	call := make([]string, len(channels))
	for i := range channels {
		call[i] = channels[i] + "=" + string(msgs[i])
	}
	b.calls <- call
	if n == 2 {
		return errors.New("bus unreachable")
	}
	return nil
}

func (b *batchBus) Publish(_ context.Context, channel string, msg []byte) error {
	return b.record([]string{channel}, [][]byte{msg})
}

func (b *batchBus) PublishBatch(_ context.Context, channels []string, msgs [][]byte) error {
	return b.record(channels, msgs)
}

// TestPublisherBatches: messages queued while a publish is under way go
// out together in one PublishBatch, in order; when that fails, the latest
// message of each channel is published again, once.
func TestPublisherBatches(t *testing.T) {
	bus := &batchBus{entered: make(chan struct{}), release: make(chan struct{}), calls: make(chan []string, 16)}
	p := newPublisher(bus, time.Second, 5*time.Millisecond, slog.New(slog.DiscardHandler))
	p.publish("a", []byte("1"))
	<-bus.entered
	p.publish("a", []byte("2"))
	p.publish("a", []byte("3"))
	p.publish("b", []byte("4"))
	close(bus.release)
	if got := <-bus.calls; !slices.Equal(got, []string{"a=1"}) {
		t.Fatalf("first call %v, want [a=1]", got)
	}
	if got, want := <-bus.calls, []string{"a=2", "a=3", "b=4"}; !slices.Equal(got, want) {
		t.Fatalf("second call %v, want %v (one batch, in order)", got, want)
	}
	got := append(<-bus.calls, <-bus.calls...)
	slices.Sort(got)
	if want := []string{"a=3", "b=4"}; !slices.Equal(got, want) {
		t.Fatalf("retried %v, want the latest message of each channel %v", got, want)
	}
	p.close()
	if extra := len(bus.calls); extra != 0 {
		t.Errorf("%d more calls after the retries succeeded", extra)
	}
}

// TestPublisherReportsUnreachedInbox: a message on an instance inbox that
// reached no subscriber is reported; one that reached its subscriber, and
// a document channel's message without subscribers, are not.
func TestPublisherReportsUnreachedInbox(t *testing.T) {
	bus := pubsub.NewMemory(0)
	defer bus.Close()
	cancel, err := bus.Subscribe(context.Background(), inboxPrefix+"alive", func([]byte) {})
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	p := newPublisher(bus, time.Second, time.Minute, slog.New(slog.DiscardHandler))
	reported := make(chan string, 10)
	p.unreached = func(ch string) { reported <- ch }
	p.publish(inboxPrefix+"alive", []byte("1"))
	p.publish(docChannel("c", "d"), []byte("2"))
	p.publish(inboxPrefix+"dead", []byte("3"))
	// Published in order by one goroutine: the first report comes after
	// the first two messages were published.
	select {
	case ch := <-reported:
		if ch != inboxPrefix+"dead" {
			t.Errorf("reported %q, want only %q", ch, inboxPrefix+"dead")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the unreached inbox was not reported")
	}
	p.close()
	if n := len(reported); n != 0 {
		t.Errorf("%d more reports", n)
	}
}
