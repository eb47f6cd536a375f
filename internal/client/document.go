package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// Doc is a handle on one document of a Conn. It keeps ShareDB client
// semantics: local ops apply at once, one op is in flight, later ops wait
// (composed) until it is acknowledged, and remote ops are transformed over
// the in-flight and pending ops before they apply. Methods are safe for
// concurrent use. All fields below the keys are guarded by c.mu.
type Doc struct {
	c          *Conn
	collection string
	id         string

	typ        ot.Type // nil: not created (or deleted, or unknown)
	version    int64
	hasVersion bool // false: ShareDB's null version (never fetched)
	data       any  // the type's snapshot value
	inflight   *localOp
	pending    []*localOp
	wantSub    bool
	subscribed bool
	fetches    []func(error) // waiters for f replies, in request order
	subs       []func(error) // waiters for s replies; nil entries for resubscribes
	unsubs     []func(error)
	changed    chan struct{} // closed and replaced by dispatch when the version changed
}

// localOp is an op submitted here and not yet acknowledged.
type localOp struct {
	typ     ot.Type // pinned at submit time, as ShareDB's client pins it
	op      any
	hasOp   bool
	create  *createPayload
	del     bool
	seq     int64 // 0 until first sent
	src     string
	sent    bool
	waiters []func(error)
}

type createPayload struct {
	typeName string
	data     json.RawMessage
}

// Get returns the handle for collection/id, the same one on every call.
func (c *Conn) Get(collection, id string) *Doc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(collection, id)
}

// Collection returns the document's collection.
func (d *Doc) Collection() string { return d.collection }

// ID returns the document's id.
func (d *Doc) ID() string { return d.id }

// Version returns the local version; ok is false while it is unknown.
func (d *Doc) Version() (v int64, ok bool) {
	d.c.mu.Lock()
	defer d.c.mu.Unlock()
	return d.version, d.hasVersion
}

// Type returns the document's type, nil when it does not exist locally.
func (d *Doc) Type() ot.Type {
	d.c.mu.Lock()
	defer d.c.mu.Unlock()
	return d.typ
}

// Data returns the local snapshot encoded as JSON, or nil when the document
// does not exist locally. Local ops not yet acknowledged are included.
func (d *Doc) Data() ([]byte, error) {
	d.c.mu.Lock()
	defer d.c.mu.Unlock()
	if d.typ == nil {
		return nil, nil
	}
	return ot.Marshal(d.data)
}

// Subscribed reports whether the server confirmed a subscription that is
// still active.
func (d *Doc) Subscribed() bool {
	d.c.mu.Lock()
	defer d.c.mu.Unlock()
	return d.subscribed
}

// HasPendingWrites reports whether ops are in flight or queued.
func (d *Doc) HasPendingWrites() bool {
	d.c.mu.Lock()
	defer d.c.mu.Unlock()
	return d.hasWritesLocked()
}

// WaitVersion blocks until the local version is at least v.
func (d *Doc) WaitVersion(ctx context.Context, v int64) error {
	for {
		d.c.mu.Lock()
		ok := d.hasVersion && d.version >= v
		ch := d.changed
		closed := d.c.closed
		d.c.mu.Unlock()
		switch {
		case ok:
			return nil
		case closed:
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for %s/%s v%d: %w", d.collection, d.id, v, ctx.Err())
		}
	}
}

// Fetch brings the local snapshot up to date: a snapshot when the version is
// unknown, otherwise the ops since the local version.
func (d *Doc) Fetch(ctx context.Context) error {
	return d.request(ctx, func(done func(error)) error { return d.fetchLocked(done) })
}

// Subscribe fetches like Fetch and keeps receiving the document's ops until
// Unsubscribe. The subscription survives Reconnect.
func (d *Doc) Subscribe(ctx context.Context) error {
	return d.request(ctx, func(done func(error)) error {
		d.wantSub = true
		return d.sendSubscribeLocked(done)
	})
}

// Unsubscribe stops the subscription.
func (d *Doc) Unsubscribe(ctx context.Context) error {
	return d.request(ctx, func(done func(error)) error {
		d.wantSub = false
		frame, err := encodeFrame(field{"a", "u"}, field{"c", d.collection}, field{"d", d.id})
		if err != nil {
			return err
		}
		if err := d.c.sendLocked(frame); err != nil {
			return err
		}
		d.unsubs = append(d.unsubs, done)
		return nil
	})
}

// request runs send under the lock and waits for the reply it registers.
func (d *Doc) request(ctx context.Context, send func(done func(error)) error) error {
	ch := make(chan error, 1)
	d.c.mu.Lock()
	err := send(func(err error) { ch <- err })
	d.c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s/%s: %w", d.collection, d.id, err)
	}
	select {
	case err := <-ch:
		if err != nil {
			return fmt.Errorf("%s/%s: %w", d.collection, d.id, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Doc) fetchLocked(done func(error)) error {
	frame, err := encodeFrame(field{"a", "f"}, field{"c", d.collection}, field{"d", d.id},
		field{"v", nullableInt(d.version, d.hasVersion)})
	if err != nil {
		return err
	}
	if err := d.c.sendLocked(frame); err != nil {
		return err
	}
	d.fetches = append(d.fetches, done)
	return nil
}

// catchUpLocked fetches missing ops unless a fetch is already in flight.
func (d *Doc) catchUpLocked() {
	if len(d.fetches) == 0 {
		if err := d.fetchLocked(nil); err != nil {
			d.c.log.Debug("sharedb: catch-up fetch", "doc", d.id, "err", err)
		}
	}
}

func (d *Doc) sendSubscribeLocked(done func(error)) error {
	frame, err := encodeFrame(field{"a", "s"}, field{"c", d.collection}, field{"d", d.id},
		field{"v", nullableInt(d.version, d.hasVersion)})
	if err != nil {
		return err
	}
	if err := d.c.sendLocked(frame); err != nil {
		return err
	}
	d.subs = append(d.subs, done)
	return nil
}

func (d *Doc) hasWritesLocked() bool { return d.inflight != nil || len(d.pending) > 0 }

// setVersionLocked sets the version. Waiters are woken by dispatch after
// the frame's callbacks ran, so WaitVersion(v) returns only after OnOp saw
// every op up to v. (Versions only change while dispatch handles a frame.)
func (d *Doc) setVersionLocked(v int64) {
	d.version, d.hasVersion = v, true
	d.c.changed = append(d.c.changed, d)
}

func (d *Doc) onDisconnectedLocked() {
	if d.inflight != nil {
		d.pending = append([]*localOp{d.inflight}, d.pending...)
		d.inflight = nil
	}
	d.subscribed = false
	for _, list := range [][]func(error){d.fetches, d.subs, d.unsubs} {
		for _, fn := range list {
			if fn != nil {
				fn(ErrDisconnected)
			}
		}
	}
	d.fetches, d.subs, d.unsubs = nil, nil, nil
}

// onConnectedLocked resends the in-flight op first, then resubscribes, as
// ShareDB's client does after a reconnect.
func (d *Doc) onConnectedLocked() {
	d.flushLocked()
	if d.wantSub {
		if err := d.sendSubscribeLocked(nil); err != nil {
			d.c.log.Debug("sharedb: resubscribe", "doc", d.id, "err", err)
		}
	}
}

// failWritesLocked fails every unacknowledged op with err.
func (d *Doc) failWritesLocked(err error) {
	ops := d.pending
	if d.inflight != nil {
		ops = append([]*localOp{d.inflight}, ops...)
	}
	d.inflight, d.pending = nil, nil
	for _, op := range ops {
		op.finish(err)
	}
}

func (op *localOp) finish(err error) {
	for _, fn := range op.waiters {
		fn(err)
	}
	op.waiters = nil
}
