package session

import (
	"sync"
	"time"
)

// outQueue is a connection's bounded outgoing queue. Pushes never block the
// documents that make them: a push beyond the limit fails, and the caller
// closes the connection as a slow consumer. Two limits apply: broadcasts
// (ops and presence the client did not ask for) may fill the queue up to
// limit; replies to the client's own requests (acks, the ops a submit
// missed) up to replyLimit, so that a reply burst does not count as slowness
// while a client that never reads still cannot grow the queue without bound.
//
// No goroutine waits on an idle queue for long: the push that makes the
// queue non-empty while no writer runs reports start, and the caller starts
// one writer (conn.drain), which takes batches until the queue is empty,
// lingers a moment (writerLinger) in case more come, and then exits
// (finish). A connection in a busy document so keeps one writer instead of
// starting a goroutine (and growing its stack) for every message, while an
// idle connection holds none. At most one writer runs at a time.
type outQueue struct {
	mu         sync.Mutex // guards the fields below
	msgs       [][]byte
	running    bool          // a writer is running
	waiting    bool          // the running writer found the queue empty and lingers
	stopped    bool          // stop was called: no writer starts any more
	exited     chan struct{} // closed when the running writer exits
	flushed    chan struct{} // made by busy; closed when the writer next finds the queue empty or exits
	limit      int
	replyLimit int
	drained    chan struct{} // capacity 1: the writer took messages
	wake       chan struct{} // capacity 1: a lingering writer has work, or must stop
}

// writerLinger is how long a writer that emptied its queue waits for more
// before it exits. Typing sends a message every few hundred milliseconds at
// most; a busy document many per millisecond.
const writerLinger = 250 * time.Millisecond

func newOutQueue(limit int) *outQueue {
	return &outQueue{limit: limit, replyLimit: 8 * limit, drained: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// push appends msg unless the queue holds limit (or, for replies,
// replyLimit) messages already. start says the caller must start a writer.
func (q *outQueue) push(msg []byte, reply bool) (ok, start bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	max := q.limit
	if reply {
		max = q.replyLimit
	}
	if len(q.msgs) >= max {
		return false, false
	}
	return true, q.appendLocked(msg)
}

func (q *outQueue) appendLocked(msg []byte) (start bool) {
	q.msgs = append(q.msgs, msg)
	if q.running || q.stopped {
		if q.waiting {
			q.waiting = false
			signal(q.wake)
		}
		return false
	}
	q.running = true
	q.exited = make(chan struct{})
	return true
}

// pushWait appends msg once the queue is below half its limit (leaving
// room for broadcasts); it gives up (ok false) when stop is closed. start
// is as for push.
func (q *outQueue) pushWait(msg []byte, stop <-chan struct{}) (ok, start bool) {
	for {
		q.mu.Lock()
		if len(q.msgs) < (q.limit+1)/2 {
			start = q.appendLocked(msg)
			q.mu.Unlock()
			return true, start
		}
		q.mu.Unlock()
		select {
		case <-q.drained:
		case <-stop:
			return false, false
		}
	}
}

// take removes and returns every queued message. The writer calls it.
// With the queue empty it returns none and idle true: the writer then waits
// (linger) for wake, or for its linger to pass and then calls finish. With
// none and idle false the writer has been marked finished (the queue was
// stopped) and must exit.
func (q *outQueue) take() (msgs [][]byte, idle bool) {
	q.mu.Lock()
	msgs = q.msgs
	q.msgs = nil
	if q.stopped {
		q.exitLocked()
		q.mu.Unlock()
		return nil, false
	}
	if len(msgs) == 0 {
		q.waiting = true
		q.flushLocked()
		q.mu.Unlock()
		return nil, true
	}
	q.waiting = false
	q.mu.Unlock()
	signal(q.drained)
	return msgs, false
}

// finish ends a lingering writer whose linger passed: true when it must
// exit, false when a push came meanwhile (it takes again).
func (q *outQueue) finish() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.waiting && !q.stopped {
		return false
	}
	q.exitLocked()
	return true
}

// exitLocked marks the running writer finished.
func (q *outQueue) exitLocked() {
	q.running, q.waiting = false, false
	close(q.exited)
	q.flushLocked()
}

func (q *outQueue) flushLocked() {
	if q.flushed != nil {
		close(q.flushed)
		q.flushed = nil
	}
}

// abandon marks the running writer finished without emptying the queue
// (its connection failed).
func (q *outQueue) abandon() {
	q.mu.Lock()
	q.stopped = true
	q.exitLocked()
	q.mu.Unlock()
}

// stop prevents new writers and waits for the running one, if any, to exit
// (waking it if it lingers).
func (q *outQueue) stop() {
	q.mu.Lock()
	q.stopped = true
	var wait chan struct{}
	if q.running {
		wait = q.exited
	}
	q.mu.Unlock()
	if wait != nil {
		signal(q.wake)
		<-wait
	}
}

// busy returns a channel closed once what is queued now has been written
// (the writer found the queue empty, or exited), or nil when nothing is
// queued or being written.
func (q *outQueue) busy() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running || q.waiting {
		return nil
	}
	if q.flushed == nil {
		q.flushed = make(chan struct{})
	}
	return q.flushed
}

func (q *outQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}
