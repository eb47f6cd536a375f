package session

import "sync"

// outQueue is a connection's bounded outgoing queue. Pushes never block the
// documents that make them: a push beyond the limit fails, and the caller
// closes the connection as a slow consumer. Two limits apply: broadcasts
// (ops and presence the client did not ask for) may fill the queue up to
// limit; replies to the client's own requests (acks, the ops a submit
// missed) up to replyLimit, so that a reply burst does not count as slowness
// while a client that never reads still cannot grow the queue without bound.
//
// No goroutine waits on an idle queue: the push that makes the queue
// non-empty while no writer runs reports start, and the caller starts one
// writer (conn.drain), which takes batches until the queue is empty and then
// exits (finish). At most one writer runs at a time.
type outQueue struct {
	mu         sync.Mutex // guards the fields below
	msgs       [][]byte
	running    bool          // a writer is running
	stopped    bool          // stop was called: no writer starts any more
	exited     chan struct{} // closed when the running writer exits
	limit      int
	replyLimit int
	drained    chan struct{} // capacity 1: the writer took messages
}

func newOutQueue(limit int) *outQueue {
	return &outQueue{limit: limit, replyLimit: 8 * limit, drained: make(chan struct{}, 1)}
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

// take removes and returns every queued message. The writer calls it; when
// it returns none the writer has been marked finished and must exit.
func (q *outQueue) take() [][]byte {
	q.mu.Lock()
	msgs := q.msgs
	q.msgs = nil
	if len(msgs) == 0 || q.stopped {
		q.running = false
		close(q.exited)
		q.mu.Unlock()
		return nil
	}
	q.mu.Unlock()
	signal(q.drained)
	return msgs
}

// abandon marks the running writer finished without emptying the queue
// (its connection failed).
func (q *outQueue) abandon() {
	q.mu.Lock()
	q.stopped = true
	q.running = false
	close(q.exited)
	q.mu.Unlock()
}

// stop prevents new writers and waits for the running one, if any, to exit.
func (q *outQueue) stop() {
	q.mu.Lock()
	q.stopped = true
	var wait chan struct{}
	if q.running {
		wait = q.exited
	}
	q.mu.Unlock()
	if wait != nil {
		<-wait
	}
}

// busy returns a channel closed when the running writer exits, or nil when
// no writer runs (the queue is then empty, or stopped).
func (q *outQueue) busy() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running {
		return nil
	}
	return q.exited
}

func (q *outQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}
