package session

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// conn is one client WebSocket. Its read loop (the handler goroutine) decodes
// and dispatches messages in order; its write loop drains a bounded queue.
// Anyone may call enqueue and closeWith.
type conn struct {
	m      *Manager
	ws     *websocket.Conn
	srcp   atomic.Pointer[string] // the client's id (src); replaced by hs
	out    *outQueue
	closed chan struct{} // closed by closeWith
	once   sync.Once
	code   websocket.StatusCode // set once, before closed is closed
	// minor12 records a handshake announcing protocol 1.2 or later.
	minor12 atomic.Bool
	reason  string

	// owned by the read loop
	subs    map[docKey]struct{}
	rooms   map[string]struct{}
	queries map[string]*liveQuery // by the JSON encoding of the query id
}

func newConn(m *Manager, ws *websocket.Conn) *conn {
	c := &conn{
		m: m, ws: ws,
		out:     newOutQueue(m.opts.SendQueue),
		closed:  make(chan struct{}),
		subs:    make(map[docKey]struct{}),
		rooms:   make(map[string]struct{}),
		queries: make(map[string]*liveQuery),
	}
	id := randomID()
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
	if !c.out.push(msg, reply) && c.closeWith(CloseSlowConsumer, "send queue full") {
		c.m.opts.Logger.Warn("slow consumer disconnected", "client", c.src(), "queued", c.out.len())
	}
}

// closeWith starts closing the connection with code; the first call wins
// and reports true.
func (c *conn) closeWith(code websocket.StatusCode, reason string) bool {
	first := false
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.closed)
		first = true
	})
	return first
}

// serve runs the connection until it closes, then leaves every document,
// presence channel and query it joined.
func (c *conn) serve() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.writeLoop(ctx) }()
	go func() { defer wg.Done(); c.pingLoop(ctx) }()
	c.readLoop(ctx)
	c.closeWith(CloseNormal, "")
	c.leaveAll(ctx)
	wg.Wait() // both loops stop on c.closed; the writer sends the close frame
	cancel()
}

func (c *conn) readLoop(ctx context.Context) {
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			c.closeWith(CloseUnsupportedData, "binary frames are not supported")
			return
		}
		c.dispatch(ctx, data)
		select {
		case <-c.closed:
			return
		default:
		}
	}
}

func (c *conn) writeLoop(ctx context.Context) {
	for {
		select {
		case <-c.out.ready:
			if !c.writeAll(ctx, c.out.take()) {
				return
			}
		case <-c.closed:
			_ = c.ws.Close(c.code, c.reason)
			return
		case <-ctx.Done():
			_ = c.ws.CloseNow()
			return
		}
	}
}

// writeAll writes msgs in order; false when the connection failed.
func (c *conn) writeAll(ctx context.Context, msgs [][]byte) bool {
	for _, b := range msgs {
		select {
		case <-c.closed:
			return true // the loop sends the close frame next
		default:
		}
		wctx, cancel := context.WithTimeout(ctx, c.m.opts.WriteTimeout)
		err := c.ws.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			c.closeWith(CloseInternal, "write failed")
			_ = c.ws.CloseNow()
			return false
		}
	}
	return true
}

// pingLoop sends keepalive pings; a missed pong closes the connection.
func (c *conn) pingLoop(ctx context.Context) {
	if c.m.opts.PingInterval < 0 {
		return
	}
	t := time.NewTicker(c.m.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.closed:
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, c.m.opts.PingTimeout)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					c.m.opts.Logger.Warn("keepalive timeout", "client", c.src())
				}
				c.closeWith(CloseGoingAway, "keepalive timeout")
				_ = c.ws.CloseNow()
				return
			}
		}
	}
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
