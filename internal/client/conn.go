package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/weftdev/weft/internal/ot"
)

// Options configure a Conn.
type Options struct {
	// Registry resolves the OT types of documents. Required.
	Registry *ot.Registry
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// ID is the client id to send in the handshake. Empty lets the server
	// assign one. After the handshake Conn.ID reports the id in use, and
	// Reconnect always sends it, so (src, seq) stays unique across
	// reconnects.
	ID string
	// OnOp, when set, is called for every remote op applied to a document
	// (broadcasts and catch-up ops, not acks of this connection's own ops),
	// in version order per document, from the connection's read goroutine.
	// It must not block for long.
	OnOp func(RemoteOp)
	// OnPresence, when set, is called for every presence update from
	// another client, from the read goroutine.
	OnPresence func(Presence)
	// OnSent, when set, is called each time an op frame is queued for
	// sending (including resends), with the connection's lock held: it must
	// not call back into the Conn.
	OnSent func(SentOp)
	// OnFrame, when set, sees every frame received, before the client
	// handles it. Returning false discards the frame. It is an escape hatch
	// for protocol tests.
	OnFrame func(frame []byte) bool
	// OnDrop, when set, is called each time the socket drops, with the
	// cause (websocket.CloseStatus tells the server's close code, -1 when
	// the socket failed without one), without the connection's lock held.
	OnDrop func(cause error)
	// AutoReconnect makes the Conn reconnect by itself after the socket
	// drops, retrying with backoff until it succeeds or Close is called.
	AutoReconnect bool
	// ReadLimit bounds one incoming frame; 0 means 64 MiB.
	ReadLimit int64
	// WriteTimeout bounds one frame write; 0 means 10 s.
	WriteTimeout time.Duration
}

// RemoteOp is an op another client committed, as this client applied it.
type RemoteOp struct {
	Collection, Doc string
	// Version is the version the op applied to.
	Version int64
	Src     string
	Seq     int64
	// Op is the edit as received, nil for a create or delete.
	Op []byte
	// Create is true for a create, Del for a delete.
	Create, Del bool
}

// SentOp identifies an op frame queued for sending.
type SentOp struct {
	Collection, Doc string
	Src             string
	Seq             int64
	// Resend is true when the op was sent before on an earlier socket.
	Resend bool
}

// Conn is a ShareDB protocol connection. Its methods are safe for
// concurrent use. All its state is guarded by mu; callbacks from Options run
// without it held (except OnSent).
type Conn struct {
	url  string
	opts Options
	log  *slog.Logger

	wg      sync.WaitGroup // the socket loops and the reconnect goroutine
	closing chan struct{}  // closed by Close

	mu        sync.Mutex
	id        string // the src in use; "" before the first handshake
	seq       int64  // the next op seq
	closed    bool
	sock      *socket // nil while disconnected
	docs      map[docKey]*Doc
	nextReqID int64
	reqs      map[int64]func(*inFrame, error) // nf/nt replies by id
	bulk      map[bulkKey][]func(*inFrame, error)
	pings     []func(error)
	pres      presenceState
	changed   []*Doc // docs whose version changed during this dispatch
}

type docKey struct{ c, d string }

type bulkKey struct{ a, c string }

// socket is one underlying WebSocket. out and ready are guarded by Conn.mu.
type socket struct {
	ws     *websocket.Conn
	ctx    context.Context // cancelled when the socket drops
	cancel context.CancelFunc
	done   chan struct{} // closed when the socket drops
	wake   chan struct{}
	out    [][]byte
	ready  bool // handshake complete
	hs     func(*inFrame)
	header http.Header // the upgrade response's headers; never modified
}

// Dial connects to the ShareDB endpoint at url and completes the handshake.
func Dial(ctx context.Context, url string, opts Options) (*Conn, error) {
	if opts.Registry == nil {
		return nil, errors.New("client: Options.Registry is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.ReadLimit == 0 {
		opts.ReadLimit = 64 << 20
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	c := &Conn{
		url: url, opts: opts, log: opts.Logger,
		closing: make(chan struct{}),
		id:      opts.ID, seq: 1, nextReqID: 1,
		docs: make(map[docKey]*Doc),
		reqs: make(map[int64]func(*inFrame, error)),
		bulk: make(map[bulkKey][]func(*inFrame, error)),
		pres: newPresenceState(),
	}
	if err := c.connect(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ID returns the client id (ShareDB's src) in use.
func (c *Conn) ID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

// UpgradeHeader returns a header of the current socket's WebSocket upgrade
// response ("" while disconnected). A load balancer can name the instance
// that serves the socket there.
func (c *Conn) UpgradeHeader(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sock == nil {
		return ""
	}
	return c.sock.header.Get(name)
}

// Connected reports whether the handshake is done and the socket is up.
func (c *Conn) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sock != nil && c.sock.ready
}

// Disconnected returns a channel closed when the current socket drops (or
// an already closed channel while disconnected).
func (c *Conn) Disconnected() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sock == nil {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return c.sock.done
}

// Reconnect dials again after the socket dropped, handshakes with the same
// id, then resends each document's in-flight op (same src and seq) and
// resubscribes the documents and presence channels that were subscribed.
func (c *Conn) Reconnect(ctx context.Context) error {
	return c.connect(ctx)
}

// Drop closes the socket abruptly, as a network failure would, keeping all
// state for Reconnect. It returns immediately.
func (c *Conn) Drop() {
	c.mu.Lock()
	s := c.sock
	c.mu.Unlock()
	if s != nil {
		c.dropSocket(s, errors.New("dropped"))
	}
}

// Close closes the connection and waits for its goroutines. Waiting calls
// fail with ErrClosed. It is safe to call more than once.
func (c *Conn) Close() error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.closing)
	}
	s := c.sock
	c.mu.Unlock()
	if s != nil {
		c.dropSocket(s, ErrClosed)
	}
	c.mu.Lock()
	for _, d := range c.docs {
		d.failWritesLocked(ErrClosed)
		close(d.changed) // wake WaitVersion callers, which see closed
		d.changed = make(chan struct{})
	}
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

func (c *Conn) connect(ctx context.Context) error {
	ws, resp, err := websocket.Dial(ctx, c.url, nil)
	if err != nil {
		return fmt.Errorf("client: dial %s: %w", c.url, err)
	}
	ws.SetReadLimit(c.opts.ReadLimit)
	sctx, cancel := context.WithCancel(context.Background())
	s := &socket{ws: ws, ctx: sctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	if resp != nil {
		s.header = resp.Header
	}
	reply := make(chan *inFrame, 1)
	s.hs = func(f *inFrame) { reply <- f }

	c.mu.Lock()
	if err := c.attachLocked(s); err != nil {
		c.mu.Unlock()
		cancel()
		ws.CloseNow()
		return err
	}
	hs, err := encodeFrame(field{"a", "hs"}, field{"id", nullableString(c.id)},
		field{"protocol", 1}, field{"protocolMinor", 2})
	if err == nil {
		s.enqueueLocked(hs)
	}
	c.mu.Unlock()

	select {
	case f := <-reply:
		err = c.finishHandshake(s, f)
	case <-s.done:
		err = ErrDisconnected
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		c.dropSocket(s, err)
		return fmt.Errorf("client: handshake: %w", err)
	}
	return nil
}

func (c *Conn) attachLocked(s *socket) error {
	if c.closed {
		return ErrClosed
	}
	if c.sock != nil {
		return errors.New("client: already connected")
	}
	c.sock = s
	c.wg.Add(2)
	go c.readLoop(s)
	go c.writeLoop(s)
	return nil
}

// finishHandshake checks the hs reply as ShareDB's client does, adopts the
// id, then flushes documents and presence.
func (c *Conn) finishHandshake(s *socket, f *inFrame) error {
	if f.Error != nil {
		return f.Error
	}
	var proto float64
	if err := ot.Unmarshal(f.Protocol, &proto); err != nil || proto != 1 {
		return localError("ERR_PROTOCOL_VERSION_NOT_SUPPORTED", "Unsupported protocol version: %s", f.Protocol)
	}
	var typ, id string
	if ot.Unmarshal(f.Type, &typ) != nil {
		return localError("ERR_DEFAULT_TYPE_MISMATCH", "Default type mismatch: %s", f.Type)
	}
	if t, err := c.opts.Registry.Lookup(typ); err != nil || t.Name() != "json0" {
		return localError("ERR_DEFAULT_TYPE_MISMATCH", "Default type mismatch: %s", typ)
	}
	if ot.Unmarshal(f.ID, &id) != nil {
		return localError("ERR_CLIENT_ID_BADLY_FORMED", "Client id must be a string")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sock != s {
		return ErrDisconnected
	}
	c.id = id
	s.ready = true
	for _, d := range c.docs {
		d.onConnectedLocked()
	}
	c.pres.onConnectedLocked(c)
	return nil
}

// dropSocket detaches s (if it is still current), fails the requests that
// were waiting on it and closes it.
func (c *Conn) dropSocket(s *socket, cause error) {
	c.mu.Lock()
	current := c.sock == s
	if current {
		c.sock = nil
		close(s.done)
		c.failRequestsLocked()
		for _, d := range c.docs {
			d.onDisconnectedLocked()
		}
		c.pres.onDisconnectedLocked()
	}
	auto := current && c.opts.AutoReconnect && !c.closed
	if auto {
		c.wg.Add(1)
	}
	c.mu.Unlock()
	s.cancel()
	s.ws.CloseNow()
	if current {
		c.log.Debug("sharedb connection dropped", "cause", cause)
		if c.opts.OnDrop != nil {
			c.opts.OnDrop(cause)
		}
	}
	if auto {
		go c.reconnectLoop()
	}
}

func (c *Conn) failRequestsLocked() {
	for id, fn := range c.reqs {
		delete(c.reqs, id)
		fn(nil, ErrDisconnected)
	}
	for k, fns := range c.bulk {
		delete(c.bulk, k)
		for _, fn := range fns {
			fn(nil, ErrDisconnected)
		}
	}
	for _, fn := range c.pings {
		fn(ErrDisconnected)
	}
	c.pings = nil
}

// reconnectLoop redials with capped exponential backoff until connected or
// closed.
func (c *Conn) reconnectLoop() {
	defer c.wg.Done()
	delay := 20 * time.Millisecond
	for {
		t := time.NewTimer(delay)
		select {
		case <-c.closing:
			t.Stop()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := c.connect(ctx)
		cancel()
		if err == nil || errors.Is(err, ErrClosed) {
			return
		}
		c.log.Debug("sharedb reconnect failed", "err", err)
		delay = min(2*delay, 2*time.Second)
	}
}

func nullableString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
