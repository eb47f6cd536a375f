package session

import (
	"context"

	"github.com/weftdev/weft/internal/ot"
)

// presenceEv carries a doc presence update to its document for transform.
type presenceEv struct {
	conn *conn
	req  *request
	p    *presence
	// leave marks the null presence of a connection that left the
	// channel: it is broadcast at the current version, never answered.
	leave bool
}

// presenceRequest answers ps, pu, p and pr.
func (c *conn) presenceRequest(ctx context.Context, req *request) *shareErr {
	ch, present, ok := req.str("ch")
	if !present || !ok || ch == "" || reservedID(ch) {
		return errf(CodeBadMessage, "Invalid presence channel")
	}
	if c.m.opts.DisablePresence && (req.a == "ps" || req.a == "p") {
		return nil // as ShareDB without presence: no reply, no effect
	}
	if req.a != "pu" && !c.canReadChannel(ch) {
		return errReadRejected
	}
	switch req.a {
	case "ps", "pu":
		seq, has := req.m["seq"]
		if _, isNum := seq.(float64); has && !isNum {
			return errf(CodeBadMessage, "Invalid seq")
		}
		if _, in := c.rooms[ch]; req.a == "ps" && !in && !c.allowSubscriptions(1) {
			c.refuse(req, LimitSubscriptions, errTooManySubs)
			return nil
		}
		if req.a == "ps" {
			c.m.presence.subscribe(c, ch)
			c.rooms[ch] = struct{}{}
		} else {
			c.m.presence.unsubscribe(c, ch)
			delete(c.rooms, ch)
		}
		c.reply(newMsg().str("ch", ch).any("seq", seq).str("a", req.a).bytes())
		return nil
	case "pr":
		c.m.presence.request(c, ch)
		c.reply([]byte(`{"a":"pr"}`))
		return nil
	}
	p, e := parsePresence(req, ch, c.src())
	if e != nil {
		return e
	}
	if !p.doc {
		c.m.presence.publish(c, p)
		return nil
	}
	if !c.canRead(p.c, p.d) {
		return errReadRejected
	}
	if _, err := c.m.send(ctx, p.c, p.d, &presenceEv{conn: c, req: req, p: p}); err != nil {
		return errInternal
	}
	return nil
}

func parsePresence(req *request, ch, src string) (*presence, *shareErr) {
	id, present, ok := req.str("id")
	if !present || !ok {
		return nil, errf(CodeBadMessage, "Invalid presence ID")
	}
	pv, _ := req.m["pv"]
	if _, isNum := pv.(float64); !isNum {
		return nil, errf(CodeBadMessage, "Invalid presence version")
	}
	p := &presence{ch: ch, id: id, src: src, p: req.m["p"], pv: pv}
	if _, has := req.m["c"]; !has {
		return p, nil
	}
	if req.m["c"] == nil || req.m["d"] == nil {
		// Doc presence without a collection or id cannot be transformed;
		// ShareDB relays it untouched (fields as sent) and lets receivers
		// decide what to do with it.
		p.raw = make(map[string]any, 4)
		for _, k := range []string{"c", "d", "v", "t"} {
			if v, ok := req.m[k]; ok {
				p.raw[k] = v
			}
		}
		return p, nil
	}
	coll, d, e := docTarget(req)
	if e != nil {
		return nil, e
	}
	v, hasV, e := req.version("v")
	if e != nil || !hasV {
		return nil, errf(CodeBadMessage, "Invalid version")
	}
	t, _, _ := req.str("t")
	p.doc, p.c, p.d, p.v, p.t = true, coll, d, v, t
	return p, nil
}

// handlePresence transforms a stale doc presence over the ops since its
// version (ShareDB's transformPresence) and relays it.
func (d *document) handlePresence(e *presenceEv) {
	p := e.p
	if e.leave {
		if d.ensureLoaded() == nil && p.v < d.version {
			p.v = d.version
		}
		d.m.presence.broadcastLeave(p)
		return
	}
	typ, err := d.m.opts.Registry.Lookup(p.t)
	if err != nil {
		e.conn.replyError(e.req, errf(CodeTypeNotRecognized, "Unknown type"))
		return
	}
	pt, ok := typ.(ot.PresenceTransformer)
	if !ok {
		e.conn.replyError(e.req, errf(CodeNoPresence, "Type does not support presence: "+typ.URI()))
		return
	}
	if se := d.ensureLoaded(); se != nil {
		e.conn.replyError(e.req, se)
		return
	}
	if p.v < d.version {
		if se := d.transformPresence(pt, p); se != nil {
			e.conn.replyError(e.req, se)
			return
		}
	}
	d.m.presence.publish(e.conn, p)
}

func (d *document) transformPresence(pt ot.PresenceTransformer, p *presence) *shareErr {
	entries, err := d.opsFrom(p.v)
	if err != nil || int64(len(entries)) != d.version-p.v {
		return errf(CodePresenceTransform, "Missing ops to transform presence")
	}
	for _, en := range entries {
		switch {
		case en.op.Create != nil || en.op.Del:
			p.p = nil
		case p.p != nil:
			np, err := pt.TransformPresence(p.p, en.op.Edit, en.op.Src == p.src)
			if err != nil {
				return errf(CodePresenceTransform, err.Error())
			}
			p.p = np
		}
		p.v++
	}
	return nil
}
