package client

import (
	"context"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// Submit applies op locally and sends it, then waits until the server
// acknowledges it (or rejects it: the error then carries ShareDB's code).
// op is a JSON tree (as ot.Decode returns) or a value of the document's
// type; it must not be modified afterwards. If ctx ends first the op stays
// queued and is still sent.
func (d *Doc) Submit(ctx context.Context, op any) error {
	ch, err := d.SubmitAsync(ctx, op)
	if err != nil {
		return err
	}
	return wait(ctx, ch)
}

// SubmitAsync is Submit without the wait: the returned channel receives the
// op's outcome once.
func (d *Doc) SubmitAsync(ctx context.Context, op any) (<-chan error, error) {
	return d.queue(ctx, func() (*localOp, error) {
		if d.typ == nil {
			return nil, localError(CodeDocDoesNotExist, "Cannot submit op. Document has not been created. %s.%s", d.collection, d.id)
		}
		next, err := d.typ.Apply(d.data, op)
		if err != nil {
			return nil, fmt.Errorf("apply locally: %w", err)
		}
		d.data = next
		return &localOp{typ: d.typ, op: op, hasOp: true}, nil
	})
}

// Create creates the document with the type named typeName (a name or URI,
// sent as given) and initial data (a JSON tree), and waits for the ack.
func (d *Doc) Create(ctx context.Context, typeName string, data any) error {
	ch, err := d.queue(ctx, func() (*localOp, error) {
		if d.typ != nil {
			return nil, localError(CodeDocAlreadyExists, "Document already exists")
		}
		t, err := d.c.opts.Registry.Lookup(typeName)
		if err != nil {
			return nil, localError("ERR_DOC_TYPE_NOT_RECOGNIZED", "Missing type %s", typeName)
		}
		var raw []byte
		if data != nil {
			if raw, err = ot.Marshal(data); err != nil {
				return nil, err
			}
		}
		snap, err := t.Create(data)
		if err != nil {
			return nil, fmt.Errorf("create locally: %w", err)
		}
		d.typ, d.data = t, snap
		return &localOp{typ: t, create: &createPayload{typeName: typeName, data: raw}}, nil
	})
	if err != nil {
		return err
	}
	return wait(ctx, ch)
}

// Delete deletes the document and waits for the ack.
func (d *Doc) Delete(ctx context.Context) error {
	ch, err := d.queue(ctx, func() (*localOp, error) {
		if d.typ == nil {
			return nil, localError(CodeDocDoesNotExist, "Document does not exist")
		}
		t := d.typ
		d.typ, d.data = nil, nil
		return &localOp{typ: t, del: true}, nil
	})
	if err != nil {
		return err
	}
	return wait(ctx, ch)
}

// queue applies a local op (build runs under the lock), queues it, composing
// it into the last unsent pending op when the type can, and flushes.
func (d *Doc) queue(ctx context.Context, build func() (*localOp, error)) (<-chan error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch := make(chan error, 1)
	d.c.mu.Lock()
	defer d.c.mu.Unlock()
	if d.c.closed {
		return nil, ErrClosed
	}
	op, err := build()
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", d.collection, d.id, err)
	}
	op.waiters = []func(error){func(err error) { ch <- err }}
	if !d.composeLocked(op) {
		d.pending = append(d.pending, op)
	}
	d.flushLocked()
	return ch, nil
}

// composeLocked folds op into the last pending op if that op was never sent
// and both are edits of a type that composes them.
func (d *Doc) composeLocked(op *localOp) bool {
	if len(d.pending) == 0 || !op.hasOp {
		return false
	}
	last := d.pending[len(d.pending)-1]
	if last.sent || !last.hasOp || last.typ != op.typ {
		return false
	}
	composed, err := op.typ.Compose(last.op, op.op)
	if err != nil {
		return false
	}
	last.op = composed
	last.waiters = append(last.waiters, op.waiters...)
	return true
}

// flushLocked sends the next pending op when nothing is in flight.
func (d *Doc) flushLocked() {
	if d.inflight == nil && len(d.pending) == 0 {
		return
	}
	if d.c.sock == nil || !d.c.sock.ready {
		return
	}
	if d.inflight == nil {
		d.inflight = d.pending[0]
		d.pending = d.pending[1:]
	}
	if err := d.sendOpLocked(d.inflight); err != nil {
		d.c.log.Warn("sharedb: send op", "doc", d.id, "err", err)
		d.hardRollbackLocked(err)
	}
}

// sendOpLocked sends op exactly as ShareDB's client does: a seq assigned on
// the first send and kept, src omitted the first time and sent on resends,
// v the local version (null when unknown).
func (d *Doc) sendOpLocked(op *localOp) error {
	resend := op.sent
	if op.seq == 0 {
		op.seq = d.c.seq
		d.c.seq++
	}
	fields := []field{{"a", "op"}, {"c", d.collection}, {"d", d.id},
		{"v", nullableInt(d.version, d.hasVersion)}, {"src", omitEmpty(op.src)},
		{"seq", op.seq}, {"x", map[string]any{}}}
	switch {
	case op.hasOp:
		fields = append(fields, field{"op", op.op})
	case op.create != nil:
		fields = append(fields, field{"create", createJSON(op.create)})
	case op.del:
		fields = append(fields, field{"del", true})
	}
	frame, err := encodeFrame(fields...)
	if err != nil {
		return err
	}
	if err := d.c.sendLocked(frame); err != nil {
		return err
	}
	if op.src == "" {
		op.src = d.c.id
	}
	op.sent = true
	if hook := d.c.opts.OnSent; hook != nil {
		hook(SentOp{Collection: d.collection, Doc: d.id, Src: op.src, Seq: op.seq, Resend: resend})
	}
	return nil
}

func createJSON(p *createPayload) any {
	var data any = omit{}
	if p.data != nil {
		data = rawJSON(p.data)
	}
	b, _ := encodeFrame(field{"type", p.typeName}, field{"data", data})
	return rawJSON(b)
}

func omitEmpty(s string) any {
	if s == "" {
		return omit{}
	}
	return s
}

func wait(ctx context.Context, ch <-chan error) error {
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
