package session

import (
	"context"

	"github.com/weftdev/weft/internal/ot"
)

// fetchEv is an f or s for one document, alone or as part of a bulk request.
type fetchEv struct {
	conn      *conn
	req       *request // single requests: for the error echo
	a         string   // "f" or "s"
	subscribe bool
	proj      *projection // set when read through a projection
	v         int64
	hasV      bool
	// result, for bulk requests, receives the snapshot JSON (nil when the
	// request had a version: the ops were sent instead) or an error object.
	result chan<- []byte
}

// unsubEv removes conn from the subscribers; done (optional) is closed after.
type unsubEv struct {
	conn *conn
	done chan struct{}
	proj *projection // set for a subscription through a projection
}

// opsEv asks for the ops since from (catch-up before a subscribe).
type opsEv struct {
	from int64
	res  chan []tailEntry // buffered, 1; nil on error
}

func (d *document) handleOps(e *opsEv) {
	if d.ensureLoaded() != nil || e.from >= d.version {
		e.res <- nil
		return
	}
	entries, err := d.opsFrom(e.from)
	if err != nil {
		d.m.opts.Logger.Error("read ops", "collection", d.key.c, "doc", d.key.id, "err", err)
	}
	e.res <- entries
}

// catchUp streams the ops since v to the client from the read loop, waiting
// for queue space as it goes, so that a client far behind is not mistaken
// for a slow one. It returns the version reached; the document then sends
// the few ops committed meanwhile with its reply.
func (c *conn) catchUp(ctx context.Context, coll, id string, v int64) int64 {
	for round := 0; round < 8; round++ {
		res := make(chan []tailEntry, 1)
		gone, err := c.m.send(ctx, coll, id, &opsEv{from: v, res: res})
		if err != nil {
			return v
		}
		var entries []tailEntry
		select {
		case entries = <-res:
		case <-gone:
			return v
		}
		if len(entries) <= c.m.opts.SendQueue/4 {
			return v
		}
		for _, e := range entries {
			if !c.pushWait(e.msg) {
				return v
			}
			v = e.op.Version + 1
		}
	}
	return v
}

// snapEv asks for the current snapshot (the programmatic API and queries).
type snapEv struct {
	res chan snapResult // buffered, 1
}

type snapResult struct {
	version int64
	typ     ot.Type
	data    []byte // JSON; nil when the document does not exist
	ts      int64
	err     *shareErr
}

func (d *document) handleFetch(e *fetchEv) {
	if e.proj != nil {
		d.handleProjectedFetch(e)
		return
	}
	if se := d.ensureLoaded(); se != nil {
		if e.result != nil {
			e.result <- bareError(se)
			return
		}
		e.conn.replyError(e.req, se)
		return
	}
	if e.subscribe {
		d.subs[e.conn] = struct{}{}
	}
	if e.hasV {
		if e.v < d.version {
			entries, err := d.opsFrom(e.v)
			if err != nil {
				d.m.opts.Logger.Error("read ops", "collection", d.key.c, "doc", d.key.id, "err", err)
			}
			for _, en := range entries {
				e.conn.reply(en.msg)
			}
		}
		if e.result != nil {
			e.result <- nil
			return
		}
		e.conn.reply(docReply(e.a, d.key.c, d.key.id))
		return
	}
	snap, se := d.snapshotJSON("")
	if se != nil {
		if e.result != nil {
			e.result <- bareError(se)
			return
		}
		e.conn.replyError(e.req, se)
		return
	}
	if e.result != nil {
		e.result <- snap
		return
	}
	e.conn.reply(newMsg().raw("data", snap).str("a", e.a).str("c", d.key.c).str("d", d.key.id).bytes())
}

// snapshotJSON encodes the current state for replies.
func (d *document) snapshotJSON(id string) ([]byte, *shareErr) {
	var data []byte
	if d.typ != nil {
		var err error
		if data, err = ot.Marshal(d.data); err != nil {
			d.m.opts.Logger.Error("encode snapshot", "collection", d.key.c, "doc", d.key.id, "err", err)
			return nil, errInternal
		}
	}
	return snapshotJSON(id, d.version, d.typ, data), nil
}

func (d *document) handleSnap(e *snapEv) {
	if se := d.ensureLoaded(); se != nil {
		e.res <- snapResult{err: se}
		return
	}
	r := snapResult{version: d.version, typ: d.typ, ts: d.mtime}
	if d.typ != nil {
		b, err := ot.Marshal(d.data)
		if err != nil {
			r.err = errInternal
		}
		r.data = b
	}
	e.res <- r
}
