package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// ErrShutdown is returned by Manager methods called during or after Shutdown.
var ErrShutdown = errors.New("session: manager is shut down")

// Manager serves documents to WebSocket clients and to the programmatic API.
// Each open document is owned by one goroutine (see document); the Manager's
// mu guards only the map of open documents.
type Manager struct {
	opts     Options
	obs      Observer // opts.Observer
	instance string   // random id marking this Manager's PubSub messages
	commits  *committer
	pub      *publisher // nil without a PubSub
	presence *presenceHub
	queries  *queryHub
	// projections are the named views of collections (see Projection).
	projections *projectionSet
	// remotePrefix is how this Manager's op payloads start: {"wi":"<instance>"
	remotePrefix []byte

	mu       sync.Mutex // guards docs, stopping
	docs     map[docKey]*document
	stopping bool

	stop     chan struct{} // closed by Shutdown: documents write snapshots and exit
	draining atomic.Bool   // set when Drain starts
	docWG    sync.WaitGroup
	shutOnce sync.Once

	connMu    sync.Mutex // guards conns, closed, closeCode
	conns     map[*conn]struct{}
	closed    bool
	closeCode websocket.StatusCode // the close code of the drain, once closed
	connWG    sync.WaitGroup
	shutDone  chan struct{}

	// Ownership (owner.go); owners is nil when it is off.
	owners      *owners
	inbox       chan []byte // this instance's inbox messages
	inboxCancel func()
	inboxStop   chan struct{}
	inboxDone   chan struct{}

	corkBufs sync.Pool // of *[]byte: connections' write batches (corkConn)
	perIP    ipCounter // open connections per client address
}

type docKey struct{ c, id string }

// New returns a Manager with opts' defaults filled in.
func New(opts Options) (*Manager, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	projs, err := newProjectionSet(o.Projections)
	if err != nil {
		return nil, err
	}
	m := &Manager{
		projections: projs,
		opts:        o,
		obs:         o.Observer,
		instance:    randomID(),
		docs:        make(map[docKey]*document),
		stop:        make(chan struct{}),
		conns:       make(map[*conn]struct{}),
		shutDone:    make(chan struct{}),
	}
	m.corkBufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	m.remotePrefix = []byte(`{"wi":"` + m.instance + `"`)
	m.commits = newCommitter(o.Store, o.MaxCommitBatch, o.CommitWorkers, o.StoreTimeout, o.Observer)
	if o.PubSub != nil {
		m.pub = newPublisher(o.PubSub, o.StoreTimeout, publishRetry, o.Logger)
		m.startOwnership()
	}
	m.presence = newPresenceHub(m)
	m.queries = newQueryHub(m)
	return m, nil
}

// publishRetry is how often a failed publish of a document's latest op is
// tried again.
const publishRetry = 250 * time.Millisecond

// randomID returns 128 random bits as hex, like ShareDB's client ids.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// send delivers ev to the document (c, id), opening it if needed. It blocks
// while the document's inbox is full, until ctx ends. The returned channel
// is closed when the document's goroutine exits: a caller waiting for a
// reply selects on it too.
func (m *Manager) send(ctx context.Context, c, id string, ev event) (<-chan struct{}, error) {
	d, err := m.acquire(c, id)
	if err != nil {
		return nil, err
	}
	defer m.release(d)
	select {
	case d.inbox <- ev:
		return d.done, nil
	case <-d.done:
		return nil, ErrShutdown
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// acquire returns the open document, counting the caller as a pending
// sender so that the document is not evicted before the send lands.
func (m *Manager) acquire(c, id string) (*document, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopping {
		return nil, ErrShutdown
	}
	k := docKey{c, id}
	d := m.docs[k]
	if d == nil {
		d = newDocument(m, k)
		m.docs[k] = d
		m.docWG.Add(1)
		go d.run()
	}
	d.senders++
	return d, nil
}

func (m *Manager) release(d *document) {
	m.mu.Lock()
	d.senders--
	m.mu.Unlock()
}

// tryEvict removes d from the map if nobody is about to send to it and its
// inbox is empty; the document then exits.
func (m *Manager) tryEvict(d *document) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d.senders > 0 || len(d.inbox) > 0 {
		return false
	}
	delete(m.docs, d.key)
	return true
}

// forget removes d from the map when it exits for another reason.
func (m *Manager) forget(d *document) {
	m.mu.Lock()
	if m.docs[d.key] == d {
		delete(m.docs, d.key)
	}
	m.mu.Unlock()
}

// Shutdown is Drain with CloseGoingAway (1001): the server goes away.
func (m *Manager) Shutdown(ctx context.Context) error {
	return m.Drain(ctx, CloseGoingAway)
}

// Drain stops the Manager: from its first moment new WebSocket upgrades are
// refused with 503 (Draining reports true), then every client connection is
// closed with code (CloseServiceRestart tells clients to reconnect,
// elsewhere, at once; CloseGoingAway that the server goes away), the
// documents finish the commit under way and write snapshots of what changed
// since the last one, and Drain returns. Ops already acknowledged are
// durable before Drain starts (an ack follows its commit). It is safe to
// call twice; a second call waits for the first, whose code wins. ctx
// bounds the wait.
func (m *Manager) Drain(ctx context.Context, code websocket.StatusCode) error {
	m.shutOnce.Do(func() {
		m.draining.Store(true)
		go m.shutdown(code)
	})
	select {
	case <-m.shutDone:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Draining reports whether Drain or Shutdown has been called.
func (m *Manager) Draining() bool { return m.draining.Load() }

func (m *Manager) shutdown(code websocket.StatusCode) {
	defer close(m.shutDone)
	reason := "server shutting down"
	if code == CloseServiceRestart {
		reason = "server restarting: reconnect"
	}
	m.connMu.Lock()
	m.closed, m.closeCode = true, code
	for c := range m.conns {
		c.closeWith(code, reason)
	}
	m.connMu.Unlock()
	m.connWG.Wait()
	m.queries.stopAll()
	m.mu.Lock()
	m.stopping = true
	m.mu.Unlock()
	close(m.stop)
	m.docWG.Wait()
	m.stopOwnership()
	m.commits.close()
	if m.pub != nil {
		m.pub.close()
	}
	m.presence.closeAll()
}

// registerConn adds c to the set Shutdown closes; false when shutting down
// or at MaxConnections (code says which).
func (m *Manager) registerConn(c *conn) (ok bool, code websocket.StatusCode) {
	m.connMu.Lock()
	defer m.connMu.Unlock()
	if m.closed { // upgraded as the drain began: told what the others were
		return false, m.closeCode
	}
	if m.opts.MaxConnections > 0 && len(m.conns) >= m.opts.MaxConnections {
		return false, CloseTryAgainLater
	}
	m.conns[c] = struct{}{}
	m.connWG.Add(1)
	return true, 0
}

func (m *Manager) unregisterConn(c *conn) {
	m.connMu.Lock()
	delete(m.conns, c)
	m.connMu.Unlock()
	m.connWG.Done()
}

// storeCtx returns a context bounding one store call.
func (m *Manager) storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), m.opts.StoreTimeout)
}

func (m *Manager) now() int64 { return m.opts.Now().UnixMilli() }

// channel is the PubSub channel of a document.
func docChannel(c, id string) string { return c + "." + id }

// Resync makes every open document compare its version with the store's
// head and catch up on ops it missed. Call it when the PubSub may have lost
// messages, for instance after a Redis reconnect.
func (m *Manager) Resync() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.docs {
		select {
		case d.gap <- struct{}{}:
		default: // a catch-up is already pending
		}
	}
}
