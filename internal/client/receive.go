package client

import (
	"errors"

	"github.com/weftdev/weft/internal/ot"
)

// remoteOp is an op received from the server, decoded.
type remoteOp struct {
	op     any
	hasOp  bool
	create *ot.Create // Type is resolved by the registry
	typ    ot.Type    // the create's type
	del    bool
}

// handleLocked handles an op, f, s or u frame for d.
func (d *Doc) handleLocked(f *inFrame) []func() {
	switch f.A {
	case "op":
		return d.handleOpLocked(f)
	case "f":
		d.handleFetchReplyLocked(f)
	case "s":
		d.handleSubscribeReplyLocked(f)
	case "u":
		d.subscribed = false
		popWaiter(&d.unsubs, errOf(f))
	}
	return nil
}

func errOf(f *inFrame) error {
	if f.Error != nil {
		return f.Error
	}
	return nil
}

// popWaiter removes the oldest waiter of list and calls it with err.
func popWaiter(list *[]func(error), err error) {
	if len(*list) == 0 {
		return
	}
	fn := (*list)[0]
	*list = (*list)[1:]
	if fn != nil {
		fn(err)
	}
}

func (d *Doc) handleFetchReplyLocked(f *inFrame) {
	if len(d.fetches) == 0 {
		return
	}
	done := d.fetches[0]
	d.fetches = d.fetches[1:]
	if f.Error != nil || f.Data == nil {
		if done != nil {
			done(errOf(f))
		}
		return
	}
	d.ingestLocked(f.Data, done)
}

func (d *Doc) handleSubscribeReplyLocked(f *inFrame) {
	if len(d.subs) == 0 {
		return
	}
	done := d.subs[0]
	d.subs = d.subs[1:]
	if f.Error != nil {
		if done != nil {
			done(f.Error)
		}
		return
	}
	d.subscribed = d.wantSub
	if f.Data == nil {
		if done != nil {
			done(nil)
		}
		return
	}
	d.ingestLocked(f.Data, done)
}

// ingestLocked takes a snapshot from a reply, as ShareDB's client's
// ingestSnapshot does: a document with a type or pending writes only moves
// forward through ops, so a newer snapshot makes it fetch ops instead.
func (d *Doc) ingestLocked(raw []byte, done func(error)) {
	if done == nil {
		done = func(error) {}
	}
	var snap wireSnapshot
	if err := ot.Unmarshal(raw, &snap); err != nil {
		done(err)
		return
	}
	if err := d.ingestSnapshotLocked(&snap, done); err != errRefetching {
		done(err)
	}
}

// ingestSnapshotLocked returns errRefetching when it started a fetch that
// will call done itself.
func (d *Doc) ingestSnapshotLocked(snap *wireSnapshot, done func(error)) error {
	v, ok := intOf(snap.V)
	if !ok {
		return localError("ERR_INGESTED_SNAPSHOT_HAS_NO_VERSION", "Missing version in ingested snapshot")
	}
	if d.typ != nil || d.hasWritesLocked() {
		if d.hasVersion && v > d.version {
			if err := d.fetchLocked(done); err != nil {
				return err
			}
			return errRefetching
		}
		return nil
	}
	if d.hasVersion && d.version > v {
		return nil
	}
	t, data, err := d.decodeSnapshot(snap)
	d.typ, d.data = t, data
	d.setVersionLocked(v)
	return err
}

// errRefetching is an internal marker: the waiter is now the fetch's.
var errRefetching = errors.New("refetching")

func (d *Doc) decodeSnapshot(snap *wireSnapshot) (ot.Type, any, error) {
	name := "http://sharejs.org/types/JSONv0" // a missing type means json0
	if snap.Type != nil {
		var s *string
		if err := ot.Unmarshal(snap.Type, &s); err != nil {
			return nil, nil, err
		}
		if s == nil {
			return nil, nil, nil
		}
		name = *s
	}
	t, err := d.c.opts.Registry.Lookup(name)
	if err != nil {
		return nil, nil, localError("ERR_DOC_TYPE_NOT_RECOGNIZED", "Missing type %s", name)
	}
	var data any
	if snap.Data != nil {
		if data, err = ot.Decode(snap.Data); err != nil {
			return nil, nil, err
		}
	}
	s, err := t.Create(data)
	if err != nil {
		return nil, nil, err
	}
	return t, s, nil
}
