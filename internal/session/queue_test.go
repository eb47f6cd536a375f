package session

import "testing"

// TestOutQueueLingeringWriter walks the writer's protocol by hand: a writer
// that found the queue empty is woken by the next push instead of a second
// writer being started, a linger that ends after such a push does not end
// the writer, and busy reports when what was queued has been written.
func TestOutQueueLingeringWriter(t *testing.T) {
	q := newOutQueue(4)
	if ok, start := q.push([]byte("a"), false); !ok || !start {
		t.Fatalf("first push: ok %v start %v, want a writer started", ok, start)
	}
	flushed := q.busy()
	if flushed == nil {
		t.Fatal("busy is nil with a message queued")
	}
	if msgs, idle := q.take(); len(msgs) != 1 || idle {
		t.Fatalf("take: %q idle %v", msgs, idle)
	}
	if msgs, idle := q.take(); msgs != nil || !idle {
		t.Fatalf("take of an empty queue: %q idle %v, want idle", msgs, idle)
	}
	select {
	case <-flushed:
	default:
		t.Fatal("busy's channel still open after the writer found the queue empty")
	}
	if q.busy() != nil {
		t.Fatal("busy is not nil while the writer lingers on an empty queue")
	}
	// A push while the writer lingers wakes it; no second writer.
	if ok, start := q.push([]byte("b"), false); !ok || start {
		t.Fatalf("push to a lingering writer: ok %v start %v, want no new writer", ok, start)
	}
	select {
	case <-q.wake:
	default:
		t.Fatal("the lingering writer was not woken")
	}
	// Its linger ran out just as the push came: it must not exit.
	if q.finish() {
		t.Fatal("finish ended the writer with a message queued")
	}
	if msgs, _ := q.take(); len(msgs) != 1 || string(msgs[0]) != "b" {
		t.Fatalf("take after wake: %q", msgs)
	}
	if _, idle := q.take(); !idle {
		t.Fatal("queue not idle after taking everything")
	}
	// The linger passes with nothing new: the writer exits, and the next
	// push starts a new one.
	if !q.finish() {
		t.Fatal("finish kept a writer with nothing queued")
	}
	if ok, start := q.push([]byte("c"), false); !ok || !start {
		t.Fatalf("push after the writer exited: ok %v start %v, want a writer started", ok, start)
	}
}

// TestOutQueueStopWakesLingeringWriter checks that stop ends a writer that
// lingers on an empty queue instead of waiting out its linger.
func TestOutQueueStopWakesLingeringWriter(t *testing.T) {
	q := newOutQueue(4)
	if _, start := q.push([]byte("a"), false); !start {
		t.Fatal("no writer started")
	}
	done := make(chan struct{})
	go func() { // a writer whose linger never runs out
		defer close(done)
		for {
			msgs, idle := q.take()
			if idle {
				<-q.wake
				continue
			}
			if msgs == nil {
				return
			}
		}
	}()
	q.stop() // returns once the writer exited
	<-done
	if ok, start := q.push([]byte("b"), false); !ok || start {
		t.Fatalf("push after stop: ok %v start %v, want no writer", ok, start)
	}
}
