package session

import "sync"

// outQueue is a connection's bounded outgoing queue. Pushes never block the
// documents that make them: a push beyond the limit fails, and the caller
// closes the connection as a slow consumer. Two limits apply: broadcasts
// (ops and presence the client did not ask for) may fill the queue up to
// limit; replies to the client's own requests (acks, the ops a submit
// missed) up to replyLimit, so that a reply burst does not count as slowness
// while a client that never reads still cannot grow the queue without bound.
type outQueue struct {
	mu         sync.Mutex // guards msgs
	msgs       [][]byte
	limit      int
	replyLimit int
	ready      chan struct{} // capacity 1: msgs became non-empty
	drained    chan struct{} // capacity 1: the writer took messages
}

func newOutQueue(limit int) *outQueue {
	return &outQueue{limit: limit, replyLimit: 8 * limit,
		ready: make(chan struct{}, 1), drained: make(chan struct{}, 1)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// push appends msg unless the queue holds limit (or, for replies,
// replyLimit) messages already.
func (q *outQueue) push(msg []byte, reply bool) bool {
	q.mu.Lock()
	max := q.limit
	if reply {
		max = q.replyLimit
	}
	if len(q.msgs) >= max {
		q.mu.Unlock()
		return false
	}
	q.msgs = append(q.msgs, msg)
	q.mu.Unlock()
	signal(q.ready)
	return true
}

// pushWait appends msg once the queue is below half its limit (leaving
// room for broadcasts); it gives up (false) when stop is closed.
func (q *outQueue) pushWait(msg []byte, stop <-chan struct{}) bool {
	for {
		q.mu.Lock()
		if len(q.msgs) < (q.limit+1)/2 {
			q.msgs = append(q.msgs, msg)
			q.mu.Unlock()
			signal(q.ready)
			return true
		}
		q.mu.Unlock()
		select {
		case <-q.drained:
		case <-stop:
			return false
		}
	}
}

// take removes and returns every queued message.
func (q *outQueue) take() [][]byte {
	q.mu.Lock()
	msgs := q.msgs
	q.msgs = nil
	q.mu.Unlock()
	if len(msgs) > 0 {
		signal(q.drained)
	}
	return msgs
}

func (q *outQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}
