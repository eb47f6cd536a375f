package session

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// conn is one client WebSocket. Its read loop (serve's goroutine) decodes
// and dispatches messages in order. Outgoing messages wait in a bounded
// queue that a writer goroutine, started only while the queue is non-empty,
// drains; keepalive pings run from a timer. An idle connection therefore
// holds one goroutine. Anyone may call enqueue and closeWith.
type conn struct {
	m      *Manager
	log    *slog.Logger // the Manager's, with this connection's "conn" and "request_id"
	ws     *websocket.Conn
	net    *corkConn              // the hijacked connection under ws; nil in some tests
	srcp   atomic.Pointer[string] // the client's id (src); replaced by hs
	out    *outQueue
	closed chan struct{} // closed by closeWith
	once   sync.Once
	code   websocket.StatusCode // set once, before closed is closed
	// minor12 records a handshake announcing protocol 1.2 or later.
	minor12 atomic.Bool
	reason  string
	// closing counts the goroutine closeWith starts to send the close frame.
	closing sync.WaitGroup

	// principal is who the connection authenticated as (nil: open
	// server); set before serve and read-only afterwards.
	principal Principal
	// expiryStop cancels the expiry timer (nil when none is armed); set by
	// armExpiry before serve.
	expiryStop func() bool

	pingMu sync.Mutex
	pingT  *time.Timer // guarded by pingMu; nil when pings are off or stopped

	ip netip.Addr // the client address counted against MaxConnectionsPerIP

	// owned by the read loop
	lim     connLimits
	subs    map[docKey]struct{}
	rooms   map[string]struct{}
	queries map[string]*liveQuery // by the JSON encoding of the query id
}

// newConn wraps an accepted WebSocket. requestID is the upgrade request's
// X-Request-Id header (which cmd/server sets on every request); it and the
// connection's first id tag every log line of the connection.
func newConn(m *Manager, ws *websocket.Conn, nc *corkConn, requestID string) *conn {
	id := randomID()
	log := m.opts.Logger.With("conn", id)
	if requestID != "" {
		log = log.With("request_id", requestID)
	}
	c := &conn{
		m: m, log: log, ws: ws, net: nc,
		out:     newOutQueue(m.opts.SendQueue),
		closed:  make(chan struct{}),
		subs:    make(map[docKey]struct{}),
		rooms:   make(map[string]struct{}),
		queries: make(map[string]*liveQuery),
		lim:     newConnLimits(&m.opts),
	}
	c.srcp.Store(&id)
	return c
}

// src returns the connection's client id.
func (c *conn) src() string { return *c.srcp.Load() }

// enqueue queues a broadcast for writing. It never blocks: a full queue
// closes the connection with CloseSlowConsumer (the client reconnects and
// catches up by version, so no op is ever silently skipped).
func (c *conn) enqueue(msg []byte) { c.push(msg, false) }

// reply queues a reply to this connection's own request (see outQueue).
func (c *conn) reply(msg []byte) { c.push(msg, true) }

func (c *conn) push(msg []byte, reply bool) {
	select {
	case <-c.closed:
		return
	default:
	}
	ok, start := c.out.push(msg, reply)
	if start {
		go c.drain()
	}
	if !ok && c.closeWith(CloseSlowConsumer, "send queue full") {
		c.m.obs.SlowClientClosed()
		c.log.Warn("slow consumer disconnected", "client", c.src(), "queued", c.out.len())
	}
}

// pushWait queues msg once the queue has room (see outQueue.pushWait);
// false when the connection closed first.
func (c *conn) pushWait(msg []byte) bool {
	ok, start := c.out.pushWait(msg, c.closed)
	if start {
		go c.drain()
	}
	return ok
}

// closeWith starts closing the connection with code: it sends the close
// frame from a new goroutine (which waits for the client's close frame).
// The first call wins and reports true.
func (c *conn) closeWith(code websocket.StatusCode, reason string) bool {
	first := false
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.closed)
		first = true
		c.closing.Add(1)
		go func() {
			defer c.closing.Done()
			_ = c.ws.Close(code, reason)
		}()
	})
	return first
}

// serve runs the connection until it closes, then leaves every document,
// presence channel and query it joined, and waits for the close handshake
// and the writer to end.
func (c *conn) serve() {
	c.startPings()
	c.readLoop()
	c.closeWith(CloseNormal, "")
	c.stopPings()
	if c.expiryStop != nil {
		c.expiryStop()
	}
	c.leaveAll(context.Background())
	c.closing.Wait()
	c.out.stop()
}

// readLoop reads until the connection fails or closes. Reads use no
// context: closing the connection is what ends a blocked read.
func (c *conn) readLoop() {
	ctx := context.Background()
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				c.m.obs.Rejected(ReasonTooBig)
				c.log.Info("message too big: closing", "client", c.src(), "limit", c.m.opts.ReadLimit)
			}
			return
		}
		if typ != websocket.MessageText {
			c.m.obs.Rejected(ReasonBinary)
			c.closeWith(CloseUnsupportedData, "binary frames are not supported")
			return
		}
		c.dispatch(ctx, data)
		if c.lim.closing {
			c.closeForRate()
			return
		}
		select {
		case <-c.closed:
			return
		default:
		}
	}
}

// drain is the connection's writer: it writes batches from the queue until
// the queue stays empty for writerLinger (or is stopped), then exits. At
// most one runs at a time (outQueue).
//
// Before taking a batch it yields once (runtime.Gosched), so the
// goroutines already runnable, typically documents replying to other
// submits, run first and add their messages to this batch: one write
// carries the ack of a client's op together with the ops of its document
// that committed around it. On a busy server that cuts the writes per op by
// about a sixth (BENCHMARKS.md, runs I–K); on an idle one nothing else is
// runnable and the yield returns at once.
func (c *conn) drain() {
	// The linger timer is not moved at every batch (a timer operation per
	// write): when it fires, it is armed again for the rest of writerLinger
	// since the last batch, and the writer exits only after a whole
	// writerLinger without one.
	linger := time.NewTimer(writerLinger)
	defer linger.Stop()
	last := time.Now()
	for {
		runtime.Gosched() // let the runnable producers add to this batch
		msgs, idle := c.out.take()
		if idle {
			select {
			case <-c.out.wake:
			case <-linger.C:
				switch rest := writerLinger - time.Since(last); {
				case rest > 0:
					linger.Reset(rest)
				case c.out.finish():
					return
				default: // work came in meanwhile
					linger.Reset(writerLinger)
				}
			}
			continue
		}
		if msgs == nil {
			return
		}
		if !c.writeAll(msgs) {
			c.out.abandon()
			return
		}
		last = time.Now()
	}
}

// writeAll writes msgs in order as one corked batch, bounded by
// WriteTimeout; false when the connection failed.
func (c *conn) writeAll(msgs [][]byte) bool {
	ctx := context.Background() // corked writes do not block on the network
	if c.net == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.m.opts.WriteTimeout)
		defer cancel()
	} else {
		c.net.cork()
	}
	var err error
	for _, b := range msgs {
		select {
		case <-c.closed:
		default:
			err = c.ws.Write(ctx, websocket.MessageText, b)
		}
		if err != nil {
			break
		}
	}
	if c.net != nil {
		if uerr := c.net.uncork(c.m.opts.WriteTimeout); err == nil {
			err = uerr
		}
	}
	if err != nil {
		if c.closeWith(CloseInternal, "write failed") {
			_ = c.ws.CloseNow()
		}
		return false
	}
	return true
}

// startPings arms the keepalive timer (unless pings are off).
func (c *conn) startPings() {
	if c.m.opts.PingInterval < 0 {
		return
	}
	c.pingMu.Lock()
	c.pingT = time.AfterFunc(c.m.opts.PingInterval, c.ping)
	c.pingMu.Unlock()
}

func (c *conn) stopPings() {
	c.pingMu.Lock()
	if c.pingT != nil {
		c.pingT.Stop()
		c.pingT = nil
	}
	c.pingMu.Unlock()
}

// ping sends one keepalive ping (on the timer's goroutine); a missed pong
// closes the connection, an answered one re-arms the timer.
func (c *conn) ping() {
	select {
	case <-c.closed:
		return
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.m.opts.PingTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	if err != nil {
		if c.closeWith(CloseGoingAway, "keepalive timeout") {
			c.log.Warn("keepalive timeout", "client", c.src())
			_ = c.ws.CloseNow()
		}
		return
	}
	c.pingMu.Lock()
	if c.pingT != nil {
		c.pingT.Reset(c.m.opts.PingInterval)
	}
	c.pingMu.Unlock()
}

// leaveAll unsubscribes from documents (without replies), presence
// channels (broadcasting null presence) and live queries.
func (c *conn) leaveAll(ctx context.Context) {
	for k := range c.subs {
		target, proj := c.m.resolve(k.c)
		_, _ = c.m.send(ctx, target, k.id, &unsubEv{conn: c, proj: proj})
	}
	for ch := range c.rooms {
		c.m.presence.unsubscribe(c, ch)
	}
	c.m.presence.forgetConn(c)
	for _, q := range c.queries {
		c.m.queries.remove(q)
	}
}
