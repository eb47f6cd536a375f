package session

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/weftdev/weft/internal/ot"
)

// document is one open document. Its run goroutine owns every field below
// the "owned by run" line; other goroutines reach it only through inbox (and
// remote/gap, which the PubSub callback fills without blocking).
type document struct {
	m     *Manager
	key   docKey
	inbox chan event
	done  chan struct{} // closed when run returns

	remote chan []byte   // PubSub messages for this document
	gap    chan struct{} // signalled when a PubSub message was dropped

	senders int // guarded by m.mu: callers between acquire and release

	// owned by run
	loaded      bool
	typ         ot.Type // nil when the document does not exist
	data        any     // the type's snapshot value
	version     int64
	mtime       int64
	tail        []tailEntry // the ops before version, oldest first
	snapVersion int64       // newest snapshot version known to be stored
	subs        map[*conn]struct{}
	projSubs    map[projSub]struct{} // subscriptions through projections
	unsubscribe func()               // cancels the PubSub subscription
	// resendFrom, when >= 0, is the version up to which local subscribers
	// were sent ops before the document was unloaded (a lost commit race,
	// a failed commit or catch-up): once it loads again they are sent the
	// committed ops from there. -1 otherwise.
	resendFrom int64
	// extendable says that a batch being committed may take more submits
	// from the inbox (nothing else was taken after it); deferred is an
	// event taken from the inbox meanwhile that was not a submit, handled
	// next.
	extendable bool
	deferred   event
	// size is the encoded snapshot's length when last measured
	// (sizeUnknown: not since loading) and grown bounds its growth since
	// (see docsize.go).
	size, grown int64
	// pending are the submits forwarded to the document's owner and not
	// yet answered (owner.go); fwdTimer fires at the earliest deadline,
	// fwdC is its channel while armed (nil otherwise).
	pending  map[srcSeq]*pendingFwd
	fwdTimer *time.Timer
	fwdC     <-chan time.Time
	// goneSeen is the owners' gone generation last looked at (goneSignal).
	goneSeen uint64
}

// tailEntry is a committed op with its encoded broadcast message.
type tailEntry struct {
	op  ot.Op
	msg []byte
}

// event is something a document's inbox carries: *submitEv, *fetchEv,
// *unsubEv, *snapEv, *presenceEv.
type event any

func newDocument(m *Manager, k docKey) *document {
	return &document{
		m: m, key: k,
		inbox:  make(chan event, m.opts.InboxSize),
		done:   make(chan struct{}),
		remote: make(chan []byte, 256),
		gap:    make(chan struct{}, 1),
		subs:   make(map[*conn]struct{}),

		resendFrom: -1,
		size:       sizeUnknown,
	}
}

func (d *document) run() {
	defer d.m.docWG.Done()
	defer close(d.done)
	// The idle timer is not moved at every event (two timer operations per
	// op): it fires IdleTimeout after it was last armed, and is armed again
	// for the rest when an event came since.
	idle := time.NewTimer(d.m.opts.IdleTimeout)
	defer idle.Stop()
	lastEvent := time.Now()
	defer func() {
		if d.fwdTimer != nil {
			d.fwdTimer.Stop()
		}
	}()
	var headCheck <-chan time.Time
	if iv := d.m.opts.HeadCheckInterval; iv > 0 {
		t := time.NewTicker(iv)
		defer t.Stop()
		headCheck = t.C
	}
	var next event
	for {
		ev := next
		next = nil
		if ev == nil {
			gone := d.goneSignal()
			select {
			case <-gone:
				continue // goneSignal falls back what is due
			case ev = <-d.inbox:
			case b := <-d.remote:
				d.handleRemote(b)
				continue
			case <-d.gap:
				d.catchUp()
				continue
			case <-headCheck:
				d.checkHead()
				continue
			case <-d.fwdC:
				d.forwardExpired()
				continue
			case <-idle.C:
				if rest := d.m.opts.IdleTimeout - time.Since(lastEvent); rest > 0 {
					idle.Reset(rest)
					continue
				}
				if len(d.subs) == 0 && len(d.pending) == 0 && d.m.tryEvict(d) {
					d.finish()
					return
				}
				idle.Reset(d.m.opts.IdleTimeout)
				continue
			case <-d.m.stop:
				d.m.forget(d)
				d.finish()
				return
			}
		}
		lastEvent = time.Now()
		if s, ok := ev.(*submitEv); ok {
			var batch []*submitEv
			batch, next = d.gather(s)
			d.extendable = next == nil
			d.handleSubmits(batch)
			if next == nil {
				next, d.deferred = d.deferred, nil
			}
			continue
		}
		d.handle(ev)
	}
}

// gather collects the submits already waiting behind first, stopping at the
// first other event (returned to be handled next, preserving order).
func (d *document) gather(first *submitEv) ([]*submitEv, event) {
	batch := []*submitEv{first}
	for len(batch) < d.m.opts.MaxBatch {
		select {
		case ev := <-d.inbox:
			s, ok := ev.(*submitEv)
			if !ok {
				return batch, ev
			}
			batch = append(batch, s)
		default:
			return batch, nil
		}
	}
	return batch, nil
}

// moreSubmits takes up to n more submits waiting in the inbox, for a batch
// under way that may still grow: it stops at the first other event, which
// is kept in deferred so that it is handled right after the batch, in
// order.
func (d *document) moreSubmits(n int) []*submitEv {
	var out []*submitEv
	for d.extendable && d.deferred == nil && len(out) < n {
		select {
		case ev := <-d.inbox:
			if s, ok := ev.(*submitEv); ok {
				out = append(out, s)
			} else {
				d.deferred = ev
			}
		default:
			return out
		}
	}
	return out
}

func (d *document) handle(ev event) {
	switch e := ev.(type) {
	case *fetchEv:
		d.handleFetch(e)
	case *unsubEv:
		d.removeSub(e)
	case *snapEv:
		d.handleSnap(e)
	case *opsEv:
		d.handleOps(e)
	case *presenceEv:
		d.handlePresence(e)
	case *fwdOutcomeEv:
		d.handleOutcome(e)
	}
}

// finish writes a snapshot if ops were committed since the last one and
// leaves the PubSub channel.
func (d *document) finish() {
	if d.m.owners != nil {
		d.m.owners.drop(d.key)
	}
	if d.unsubscribe != nil {
		d.unsubscribe()
		d.unsubscribe = nil
	}
	if !d.loaded || d.version <= d.snapVersion {
		return
	}
	snap, err := d.snapshot()
	if err == nil {
		ctx, cancel := d.m.storeCtx()
		err = d.m.opts.Store.WriteSnapshot(ctx, d.key.c, d.key.id, snap)
		cancel()
	}
	if err != nil {
		d.m.opts.Logger.Error("write snapshot", "collection", d.key.c, "doc", d.key.id, "v", d.version, "err", err)
	}
}

// snapshot returns the current state as a storable snapshot (Data a JSON tree).
func (d *document) snapshot() (ot.Snapshot, error) {
	s := ot.Snapshot{Version: d.version, Ts: d.mtime}
	if d.typ == nil {
		return s, nil
	}
	tree, err := jsonTree(d.data)
	if err != nil {
		return s, fmt.Errorf("encode snapshot of %s/%s: %w", d.key.c, d.key.id, err)
	}
	s.Type, s.Data = d.typ.URI(), tree
	return s, nil
}

// jsonTree converts a type's value into a JSON tree.
func jsonTree(v any) (any, error) {
	b, err := ot.Marshal(v)
	if err != nil {
		return nil, err
	}
	return ot.Decode(b)
}

// ensureLoaded reads the document from the store on first use (or after a
// failed commit) and joins its PubSub channel.
func (d *document) ensureLoaded() *shareErr {
	if d.loaded {
		return nil
	}
	if err := d.load(); err != nil {
		var se *shareErr
		if errors.As(err, &se) {
			return se
		}
		d.m.opts.Logger.Error("load document", "collection", d.key.c, "doc", d.key.id, "err", err)
		return errInternal
	}
	if d.unsubscribe == nil && d.m.opts.PubSub != nil {
		d.subscribeRemote()
	}
	d.sendMissed()
	return nil
}

// unload makes the next use reload the document from the store; local
// subscribers have been sent the ops before version sent.
func (d *document) unload(sent int64) {
	d.loaded = false
	if d.resendFrom < 0 || sent < d.resendFrom {
		d.resendFrom = sent
	}
}

// sendMissed sends local subscribers the committed ops a reload found that
// they were never sent (ops other instances committed meanwhile, whose
// PubSub messages are now older than the document and so ignored).
func (d *document) sendMissed() {
	from := d.resendFrom
	d.resendFrom = -1
	if from < 0 || from >= d.version || len(d.subs) == 0 {
		return
	}
	entries, err := d.opsFrom(from)
	if err != nil {
		d.m.opts.Logger.Warn("send missed ops", "collection", d.key.c, "doc", d.key.id, "from", from, "err", err)
		return
	}
	for i := range entries {
		d.broadcast(&entries[i])
	}
}

func (d *document) load() error {
	ctx, cancel := d.m.storeCtx()
	defer cancel()
	st := d.m.opts.Store
	snap, err := st.Snapshot(ctx, d.key.c, d.key.id, -1)
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	ops, err := st.Ops(ctx, d.key.c, d.key.id, snap.Version, -1)
	if err != nil {
		return fmt.Errorf("read ops from v%d: %w", snap.Version, err)
	}
	d.typ, d.data, d.tail = nil, nil, nil
	d.version, d.mtime, d.snapVersion = snap.Version, snap.Ts, snap.Version
	d.size, d.grown = sizeUnknown, 0
	if snap.Type != "" {
		if err := d.setStored(snap.Type, snap.Data); err != nil {
			return err
		}
	}
	for i := range ops {
		if err := d.applyStored(&ops[i]); err != nil {
			return err
		}
	}
	d.loaded = true
	return nil
}

func (d *document) setStored(uri string, data any) error {
	typ, err := d.m.opts.Registry.Lookup(uri)
	if err != nil {
		return errf(CodeTypeNotRecognized, "Unknown type "+uri)
	}
	v, err := typ.Create(data)
	if err != nil {
		return fmt.Errorf("create %s from stored data: %w", uri, err)
	}
	d.typ, d.data = typ, v
	return nil
}

// applyStored applies an op that is already committed (loaded or remote) and
// appends it to the tail.
func (d *document) applyStored(op *ot.Op) error { return d.applyStoredMsg(op, nil) }

// applyStoredMsg is applyStored for an op whose message, as opMessage
// writes it, is msg (another instance's broadcast): it becomes the tail
// entry's message as it is, instead of being encoded again. msg may be nil.
func (d *document) applyStoredMsg(op *ot.Op, msg []byte) error {
	if op.Version != d.version {
		return fmt.Errorf("op v%d does not follow v%d", op.Version, d.version)
	}
	var edit []byte
	switch {
	case op.Create != nil:
		if err := d.setStored(op.Create.Type, op.Create.Data); err != nil {
			return err
		}
	case op.Del:
		d.typ, d.data = nil, nil
	default:
		if d.typ == nil {
			return fmt.Errorf("edit v%d of a missing document", op.Version)
		}
		if edit = editOf(msg); edit == nil {
			msg = nil
			var err error
			if edit, err = ot.Marshal(op.Edit); err != nil {
				return fmt.Errorf("encode op v%d: %w", op.Version, err)
			}
		}
		nd, err := d.typ.Apply(d.data, op.Edit)
		if err != nil {
			return fmt.Errorf("apply stored op v%d: %w", op.Version, err)
		}
		d.data = nd
	}
	d.noteStoredOp(op, edit)
	if msg == nil {
		msg = opMessage(d.key.c, d.key.id, op, edit)
	}
	d.pushMsg(*op, msg)
	return nil
}

// editOf returns the edit of an edit's op message laid out as opMessage
// writes it (the "op" field last), nil when msg does not end that way. No
// JSON string in the fields before it can hold the bytes ,"op": (their
// quotes are escaped), so the first occurrence is the field.
func editOf(msg []byte) []byte {
	if len(msg) == 0 || msg[len(msg)-1] != '}' {
		return nil
	}
	i := bytes.Index(msg, []byte(`,"op":`))
	if i < 0 {
		return nil
	}
	return msg[i+len(`,"op":`) : len(msg)-1]
}

// push appends a committed (or about to be committed) op to the tail.
func (d *document) push(op ot.Op, edit []byte) {
	d.pushMsg(op, opMessage(d.key.c, d.key.id, &op, edit))
}

// pushMsg is push with the op's message already encoded.
func (d *document) pushMsg(op ot.Op, msg []byte) {
	d.tail = append(d.tail, tailEntry{op: op, msg: msg})
	d.version = op.Version + 1
	if op.Ts != 0 {
		d.mtime = op.Ts
	}
}

// trimTail keeps the tail within twice TailSize: once it reaches that, the
// newest TailSize entries move to a fresh slice (so the old ones can be
// collected). Trimming in bulk costs one entry copy per op instead of
// TailSize copies per commit.
func (d *document) trimTail() {
	keep := d.m.opts.TailSize
	if len(d.tail) >= 2*keep {
		d.tail = append(make([]tailEntry, 0, 2*keep), d.tail[len(d.tail)-keep:]...)
	}
}

// opsFrom returns the ops with versions from..version-1, from the tail and,
// for older ones, from the store. It returns fewer when the log is short.
func (d *document) opsFrom(from int64) ([]tailEntry, error) {
	start := d.version - int64(len(d.tail))
	if from >= start {
		return d.tail[from-start:], nil
	}
	ctx, cancel := d.m.storeCtx()
	defer cancel()
	ops, err := d.m.opts.Store.Ops(ctx, d.key.c, d.key.id, from, start)
	if err != nil {
		return nil, fmt.Errorf("read ops %d..%d: %w", from, start, err)
	}
	out := make([]tailEntry, 0, len(ops)+len(d.tail))
	for i := range ops {
		e, err := d.entryFor(&ops[i])
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if int64(len(ops)) != start-from {
		return out, nil // short log: the caller sees the gap
	}
	return append(out, d.tail...), nil
}

func (d *document) entryFor(op *ot.Op) (tailEntry, error) {
	var edit []byte
	if op.Create == nil && !op.Del {
		var err error
		if edit, err = ot.Marshal(op.Edit); err != nil {
			return tailEntry{}, fmt.Errorf("encode op v%d: %w", op.Version, err)
		}
	}
	return tailEntry{op: *op, msg: opMessage(d.key.c, d.key.id, op, edit)}, nil
}
