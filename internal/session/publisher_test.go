package session

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

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
