package client

import (
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// handleOpLocked handles an op frame: an error reply to the in-flight op,
// its ack, or a remote op (ShareDB client's Doc._handleOp).
func (d *Doc) handleOpLocked(f *inFrame) []func() {
	if f.Error != nil {
		d.handleOpErrorLocked(f)
		return nil
	}
	seq, hasSeq := intOf(f.Seq)
	if in := d.inflight; in != nil && in.sent && hasSeq && f.Src == in.src && seq == in.seq {
		d.ackLocked(f)
		return nil
	}
	v, ok := intOf(f.V)
	if !ok {
		d.c.log.Warn("sharedb: op without a version", "doc", d.id)
		return nil
	}
	if !d.hasVersion || v > d.version {
		d.catchUpLocked()
		return nil
	}
	if v < d.version {
		return nil // a duplicate
	}
	r, err := d.decodeRemote(f)
	if err == nil {
		err = d.applyRemoteLocked(r)
	}
	if err != nil {
		d.c.log.Warn("sharedb: remote op", "doc", d.id, "v", v, "err", err)
		d.hardRollbackLocked(err)
		return nil
	}
	if hook := d.c.opts.OnOp; hook != nil {
		ev := RemoteOp{Collection: d.collection, Doc: d.id, Version: v, Src: f.Src, Seq: seq,
			Op: f.Op, Create: f.Create != nil, Del: f.Del}
		return []func(){func() { hook(ev) }}
	}
	return nil
}

// applyRemoteLocked transforms the in-flight and pending ops over r, then
// applies r and bumps the version.
func (d *Doc) applyRemoteLocked(r *remoteOp) error {
	if d.inflight != nil {
		if err := transformX(d.inflight, r); err != nil {
			return err
		}
	}
	for _, p := range d.pending {
		if err := transformX(p, r); err != nil {
			return err
		}
	}
	if err := d.applyLocked(r); err != nil {
		return err
	}
	d.setVersionLocked(d.version + 1)
	return nil
}

func (d *Doc) applyLocked(r *remoteOp) error {
	switch {
	case r.hasOp:
		if d.typ == nil {
			return localError(CodeDocDoesNotExist, "Cannot apply op to uncreated document. %s.%s", d.collection, d.id)
		}
		next, err := d.typ.Apply(d.data, r.op)
		if err != nil {
			return err
		}
		d.data = next
	case r.create != nil:
		snap, err := r.typ.Create(r.create.Data)
		if err != nil {
			return err
		}
		d.typ, d.data = r.typ, snap
	case r.del:
		d.typ, d.data = nil, nil
	}
	return nil
}

func (d *Doc) decodeRemote(f *inFrame) (*remoteOp, error) {
	r := &remoteOp{del: f.Del}
	if f.Op != nil {
		op, err := ot.Decode(f.Op)
		if err != nil {
			return nil, err
		}
		r.op, r.hasOp = op, true
	}
	if f.Create != nil {
		t, err := d.c.opts.Registry.Lookup(f.Create.Type)
		if err != nil {
			return nil, localError("ERR_DOC_TYPE_NOT_RECOGNIZED", "Missing type %s", f.Create.Type)
		}
		var data any
		if f.Create.Data != nil {
			if data, err = ot.Decode(f.Create.Data); err != nil {
				return nil, err
			}
		}
		r.create, r.typ = &ot.Create{Type: t.URI(), Data: data}, t
	}
	return r, nil
}

// transformX rewrites client and server over each other, with ShareDB
// client's rules for creates and deletes.
func transformX(client *localOp, server *remoteOp) error {
	if client.del {
		*server = remoteOp{} // a client delete dominates: the server op is a no-op
		return nil
	}
	if server.del {
		return localError(CodeDocWasDeleted, "Document was deleted")
	}
	if server.create != nil {
		return localError(CodeDocAlreadyExists, "Document already created")
	}
	if !server.hasOp {
		return nil
	}
	if client.create != nil {
		return localError(CodeDocAlreadyExists, "Document already created")
	}
	if x, ok := client.typ.(ot.XTransformer); ok {
		c, s, err := x.TransformX(client.op, server.op)
		if err != nil {
			return fmt.Errorf("transformX: %w", err)
		}
		client.op, server.op = c, s
		return nil
	}
	c, err := client.typ.Transform(client.op, server.op, ot.Left)
	if err != nil {
		return fmt.Errorf("transform: %w", err)
	}
	s, err := client.typ.Transform(server.op, client.op, ot.Right)
	if err != nil {
		return fmt.Errorf("transform: %w", err)
	}
	client.op, server.op = c, s
	return nil
}

// ackLocked completes the in-flight op. An ack at a version other than
// the local one means ops were missed: the client fetches them and keeps the
// op in flight, so its own op in the catch-up is recognised as the ack.
func (d *Doc) ackLocked(f *inFrame) {
	in := d.inflight
	v, _ := intOf(f.V)
	if in.create != nil {
		d.version, d.hasVersion = v, true
	} else if !d.hasVersion || v != d.version {
		d.c.log.Warn("sharedb: ack at an unexpected version", "doc", d.id, "want", d.version, "got", v)
		d.catchUpLocked()
		return
	}
	for i := range f.Fixup {
		if err := d.applyFixupLocked(&f.Fixup[i]); err != nil {
			d.hardRollbackLocked(err)
			return
		}
	}
	d.setVersionLocked(d.version + 1)
	d.inflight = nil
	in.finish(nil)
	d.flushLocked()
}

func (d *Doc) applyFixupLocked(f *inFrame) error {
	r, err := d.decodeRemote(f)
	if err != nil {
		return err
	}
	for _, p := range d.pending {
		if err := transformX(p, r); err != nil {
			return err
		}
	}
	return d.applyLocked(r)
}

// handleOpErrorLocked handles an error reply to a submitted op. ERR_NO_OP
// (the server skipped an op that became a no-op) succeeds after a catch-up
// fetch; any other error rolls back.
func (d *Doc) handleOpErrorLocked(f *inFrame) {
	in := d.inflight
	seq, _ := intOf(f.Seq)
	if in == nil || seq != in.seq {
		d.c.log.Warn("sharedb: op error with nothing in flight", "doc", d.id, "err", f.Error)
		return
	}
	if f.Error.Code == CodeNoOp {
		err := d.fetchLocked(func(err error) {
			if d.inflight == in {
				d.inflight = nil
				in.finish(err)
				d.flushLocked()
			}
		})
		if err != nil {
			d.hardRollbackLocked(err)
		}
		return
	}
	d.hardRollbackLocked(f.Error)
}

// hardRollbackLocked drops every unacknowledged op and the local snapshot,
// refetches, and then fails the dropped ops with cause. (ShareDB's client
// inverts the op first when the type can; Weft's client always refetches.)
func (d *Doc) hardRollbackLocked(cause error) {
	ops := d.pending
	if d.inflight != nil {
		ops = append([]*localOp{d.inflight}, ops...)
	}
	d.inflight, d.pending = nil, nil
	d.typ, d.data, d.hasVersion = nil, nil, false
	fail := func(error) {
		for _, op := range ops {
			op.finish(cause)
		}
	}
	if err := d.fetchLocked(fail); err != nil {
		fail(err)
	}
}
