package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// Snapshot is a document at a version, ready for encoding/json.
type Snapshot struct {
	Collection string `json:"collection"`
	ID         string `json:"id"`
	// Version is the number of ops applied.
	Version int64 `json:"v"`
	// Type is the type's URI, "" when the document does not exist.
	Type string `json:"type,omitempty"`
	// Data is the content as the type's JSON; absent when Type is "".
	Data json.RawMessage `json:"data,omitempty"`
	// Ts is the Unix millisecond time of the op that produced Version (0
	// when unknown).
	Ts int64 `json:"ts,omitempty"`
}

// Op is one entry of a document's history, ready for encoding/json.
// Exactly one of Create, Op and Del is set.
type Op struct {
	Version int64           `json:"v"`
	Src     string          `json:"src,omitempty"`
	Seq     int64           `json:"seq,omitempty"`
	Ts      int64           `json:"ts"`
	Create  json.RawMessage `json:"create,omitempty"`
	Op      json.RawMessage `json:"op,omitempty"`
	Del     bool            `json:"del,omitempty"`
}

// ErrVersionNewer is returned for a version beyond the document's newest.
var ErrVersionNewer = errors.New("session: version newer than the document")

// Fetch returns the document's current snapshot, as subscribers see it.
func (m *Manager) Fetch(ctx context.Context, coll, id string) (Snapshot, error) {
	res := make(chan snapResult, 1)
	gone, err := m.send(ctx, coll, id, &snapEv{res: res})
	if err != nil {
		return Snapshot{}, err
	}
	select {
	case r := <-res:
		if r.err != nil {
			return Snapshot{}, fmt.Errorf("fetch %s/%s: %w", coll, id, r.err)
		}
		s := Snapshot{Collection: coll, ID: id, Version: r.version, Ts: r.ts, Data: r.data}
		if r.typ != nil {
			s.Type = r.typ.URI()
		}
		return s, nil
	case <-gone:
		return Snapshot{}, ErrShutdown
	case <-ctx.Done():
		return Snapshot{}, ctx.Err()
	}
}

// SnapshotAt returns the document at version v: the newest stored snapshot
// at or before v plus the ops after it. v beyond the document's version
// gives ErrVersionNewer.
func (m *Manager) SnapshotAt(ctx context.Context, coll, id string, v int64) (Snapshot, error) {
	st := m.opts.Store
	head, err := st.Head(ctx, coll, id)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot %s/%s@%d: %w", coll, id, v, err)
	}
	if v > head {
		return Snapshot{}, ErrVersionNewer
	}
	snap, err := st.Snapshot(ctx, coll, id, v)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot %s/%s@%d: %w", coll, id, v, err)
	}
	ops, err := st.Ops(ctx, coll, id, snap.Version, v)
	if err != nil {
		return Snapshot{}, fmt.Errorf("ops %s/%s %d..%d: %w", coll, id, snap.Version, v, err)
	}
	if int64(len(ops)) != v-snap.Version {
		return Snapshot{}, fmt.Errorf("snapshot %s/%s@%d: store has %d ops after v%d", coll, id, v, len(ops), snap.Version)
	}
	return m.replay(coll, id, snap, ops)
}

// SnapshotAtTime returns the document as it was at ts (Unix milliseconds):
// every op whose timestamp is <= ts applied.
func (m *Manager) SnapshotAtTime(ctx context.Context, coll, id string, ts int64) (Snapshot, error) {
	v, err := m.opts.Store.VersionAt(ctx, coll, id, ts)
	if err != nil {
		return Snapshot{}, fmt.Errorf("version of %s/%s at %d: %w", coll, id, ts, err)
	}
	return m.SnapshotAt(ctx, coll, id, v)
}

// replay applies ops to a stored snapshot.
func (m *Manager) replay(coll, id string, snap ot.Snapshot, ops []ot.Op) (Snapshot, error) {
	var typ ot.Type
	var data any
	set := func(uri string, d any) error {
		t, err := m.opts.Registry.Lookup(uri)
		if err != nil {
			return err
		}
		v, err := t.Create(d)
		typ, data = t, v
		return err
	}
	if snap.Type != "" {
		if err := set(snap.Type, snap.Data); err != nil {
			return Snapshot{}, fmt.Errorf("replay %s/%s: %w", coll, id, err)
		}
	}
	out := Snapshot{Collection: coll, ID: id, Version: snap.Version, Ts: snap.Ts}
	for i := range ops {
		op := &ops[i]
		var err error
		switch {
		case op.Create != nil:
			err = set(op.Create.Type, op.Create.Data)
		case op.Del:
			typ, data = nil, nil
		case typ == nil:
			err = errors.New("edit of a missing document")
		default:
			data, err = typ.Apply(data, op.Edit)
		}
		if err != nil {
			return Snapshot{}, fmt.Errorf("replay %s/%s op v%d: %w", coll, id, op.Version, err)
		}
		out.Version, out.Ts = op.Version+1, op.Ts
	}
	if typ != nil {
		b, err := ot.Marshal(data)
		if err != nil {
			return Snapshot{}, fmt.Errorf("encode %s/%s: %w", coll, id, err)
		}
		out.Type, out.Data = typ.URI(), b
	}
	return out, nil
}

// Ops returns the document's ops with from <= version < to (to < 0: up to
// the newest).
func (m *Manager) Ops(ctx context.Context, coll, id string, from, to int64) ([]Op, error) {
	ops, err := m.opts.Store.Ops(ctx, coll, id, from, to)
	if err != nil {
		return nil, fmt.Errorf("ops %s/%s %d..%d: %w", coll, id, from, to, err)
	}
	out := make([]Op, len(ops))
	for i := range ops {
		o := &ops[i]
		out[i] = Op{Version: o.Version, Src: o.Src, Seq: o.Seq, Ts: o.Ts, Del: o.Del}
		switch {
		case o.Create != nil:
			cm := newMsg().str("type", o.Create.Type)
			if o.Create.Data != nil {
				cm.any("data", o.Create.Data)
			}
			out[i].Create = cm.bytes()
		case !o.Del:
			if out[i].Op, err = ot.Marshal(o.Edit); err != nil {
				return nil, fmt.Errorf("encode op v%d: %w", o.Version, err)
			}
		}
	}
	return out, nil
}

// Page is one page of a collection's documents.
type Page struct {
	Documents []Snapshot `json:"documents"`
	// Next is the cursor for the following page ("" on the last page).
	Next string `json:"next,omitempty"`
}

// List returns up to limit documents of coll (current snapshots, deleted
// ones included with Type ""), in id order, starting after the id after.
func (m *Manager) List(ctx context.Context, coll, after string, limit int) (Page, error) {
	if limit <= 0 {
		limit = 100
	}
	ids, err := m.opts.Store.List(ctx, coll, after, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("list %s: %w", coll, err)
	}
	var p Page
	if len(ids) > limit {
		ids = ids[:limit]
		p.Next = ids[limit-1]
	}
	for _, id := range ids {
		s, err := m.Fetch(ctx, coll, id)
		if err != nil {
			return Page{}, err
		}
		p.Documents = append(p.Documents, s)
	}
	return p, nil
}
