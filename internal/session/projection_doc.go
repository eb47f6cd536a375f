package session

import (
	"github.com/weftdev/weft/internal/ot"
)

// projSub is a subscription to a document through a projection.
type projSub struct {
	conn *conn
	p    *projection
}

// resolve maps a requested collection to the collection that holds the
// documents and the projection it names (nil for a plain collection).
func (m *Manager) resolve(coll string) (string, *projection) {
	if p := m.projections.lookup(coll); p != nil {
		return p.target, p
	}
	return coll, nil
}

// projectData keeps the listed top-level fields of an object; other
// non-null values become null (ShareDB's projectData).
func (p *projection) projectData(data any) any {
	if data == nil {
		return nil
	}
	obj, ok := data.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]any, len(p.fields))
	for k := range p.fields {
		if v, has := obj[k]; has {
			out[k] = v
		}
	}
	return out
}

// projectEdit keeps the components of a json0 op under the listed fields;
// a root replace keeps its projected values.
func (p *projection) projectEdit(edit any) []any {
	comps, _ := edit.([]any)
	out := make([]any, 0, len(comps))
	for _, c := range comps {
		cm, ok := c.(map[string]any)
		if !ok {
			continue
		}
		path, _ := cm["p"].([]any)
		if len(path) > 0 {
			if p.allowed(path[0]) {
				out = append(out, c)
			}
			continue
		}
		nc := map[string]any{"p": []any{}}
		od, hasOD := cm["od"]
		oi, hasOI := cm["oi"]
		if hasOD {
			nc["od"] = p.projectData(od)
		}
		if hasOI {
			nc["oi"] = p.projectData(oi)
		}
		if hasOD || hasOI {
			out = append(out, nc)
		}
	}
	return out
}

func (p *projection) allowed(field any) bool {
	s, ok := field.(string)
	return ok && p.fields[s]
}

// opAllowed is ShareDB's isOpAllowed: creates of json0 with only listed
// fields, edits of json0 documents touching only listed fields, deletes.
func (p *projection) opAllowed(typ ot.Type, op *ot.Op) bool {
	switch {
	case op.Create != nil:
		if op.Create.Type != json0URI {
			return false
		}
		if op.Create.Data == nil {
			return true
		}
		obj, ok := op.Create.Data.(map[string]any)
		if !ok {
			return false
		}
		for k := range obj {
			if !p.fields[k] {
				return false
			}
		}
		return true
	case op.Del:
		return true
	}
	if typ != nil && typ.URI() != json0URI {
		return false
	}
	comps, ok := op.Edit.([]any)
	if !ok {
		return false
	}
	for _, c := range comps {
		cm, _ := c.(map[string]any)
		path, _ := cm["p"].([]any)
		if len(path) == 0 || !p.allowed(path[0]) {
			return false
		}
	}
	return true
}

// projectedMsg encodes a committed op as a subscriber of p sees it, nil when
// the document's type cannot be projected.
func (d *document) projectedMsg(p *projection, e *tailEntry) []byte {
	op := e.op
	switch {
	case op.Create != nil:
		if op.Create.Type != json0URI {
			return nil
		}
		op.Create = &ot.Create{Type: op.Create.Type, Data: p.projectData(op.Create.Data)}
		return opMessage(p.name, d.key.id, &op, nil)
	case op.Del:
		return opMessage(p.name, d.key.id, &op, nil)
	}
	if d.typ != nil && d.typ.URI() != json0URI {
		return nil
	}
	edit, err := ot.Marshal(p.projectEdit(op.Edit))
	if err != nil {
		return nil
	}
	return opMessage(p.name, d.key.id, &op, edit)
}

// broadcastProjected sends a committed op to the projection subscribers
// other than its author.
func (d *document) broadcastProjected(e *tailEntry) {
	for s := range d.projSubs {
		if s.conn.src() == e.op.Src {
			continue
		}
		if msg := d.projectedMsg(s.p, e); msg != nil {
			s.conn.enqueue(msg)
		}
	}
}

// projectedSnapshot encodes the current state through p.
func (d *document) projectedSnapshot(p *projection) ([]byte, *shareErr) {
	if d.typ == nil {
		return snapshotJSON("", d.version, nil, nil), nil
	}
	if d.typ.URI() != json0URI {
		return nil, errf(CodeTypeCannotBeProjected, "Cannot project snapshots of type "+d.typ.URI())
	}
	tree, err := jsonTree(d.data)
	if err != nil {
		return nil, errInternal
	}
	b, err := ot.Marshal(p.projectData(tree))
	if err != nil {
		return nil, errInternal
	}
	return snapshotJSON("", d.version, d.typ, b), nil
}

// handleProjectedFetch answers f/s through a projection.
func (d *document) handleProjectedFetch(e *fetchEv) {
	fail := func(se *shareErr) {
		if e.result != nil {
			e.result <- bareError(se)
			return
		}
		e.conn.replyError(e.req, se)
	}
	if se := d.ensureLoaded(); se != nil {
		fail(se)
		return
	}
	if e.hasV {
		if e.v < d.version {
			entries, err := d.opsFrom(e.v)
			if err != nil {
				d.m.opts.Logger.Error("read ops", "collection", d.key.c, "doc", d.key.id, "err", err)
			}
			for i := range entries {
				if msg := d.projectedMsg(e.proj, &entries[i]); msg != nil {
					e.conn.reply(msg)
				}
			}
		}
		d.addProjSub(e)
		if e.result != nil {
			e.result <- nil
			return
		}
		e.conn.reply(docReply(e.a, e.proj.name, d.key.id))
		return
	}
	snap, se := d.projectedSnapshot(e.proj)
	if se != nil {
		fail(se)
		return
	}
	d.addProjSub(e)
	if e.result != nil {
		e.result <- snap
		return
	}
	e.conn.reply(newMsg().raw("data", snap).str("a", e.a).str("c", e.proj.name).str("d", d.key.id).bytes())
}

func (d *document) addProjSub(e *fetchEv) {
	if !e.subscribe {
		return
	}
	if d.projSubs == nil {
		d.projSubs = make(map[projSub]struct{})
	}
	d.projSubs[projSub{e.conn, e.proj}] = struct{}{}
}

// unsubscribe removes a subscription made directly or through a projection.
func (d *document) removeSub(e *unsubEv) {
	if e.proj != nil {
		delete(d.projSubs, projSub{e.conn, e.proj})
	} else {
		delete(d.subs, e.conn)
	}
	if e.done != nil {
		close(e.done)
	}
}

// projectRows applies p to query results.
func projectRows(p *projection, rows []*row) ([]*row, *shareErr) {
	out := make([]*row, len(rows))
	for i, r := range rows {
		nr := *r
		if r.typ != nil {
			if r.typ.URI() != json0URI {
				return nil, errf(CodeTypeCannotBeProjected, "Cannot project snapshots of type "+r.typ.URI())
			}
			tree, err := ot.Decode(r.data)
			if err != nil {
				return nil, errInternal
			}
			b, err := ot.Marshal(p.projectData(tree))
			if err != nil {
				return nil, errInternal
			}
			nr.data = b
		}
		out[i] = &nr
	}
	return out, nil
}

// coll is the collection name the submitter used.
func (s *submitEv) coll(d *document) string {
	if s.proj != nil {
		return s.proj.name
	}
	return d.key.c
}

// replyMissed sends a submitter the ops it had not seen, projected when it
// submitted through a projection.
func (d *document) replyMissed(s *submitEv, missed []tailEntry) {
	for i := range missed {
		if s.proj == nil {
			s.conn.reply(missed[i].msg)
		} else if msg := d.projectedMsg(s.proj, &missed[i]); msg != nil {
			s.conn.reply(msg)
		}
	}
}

// projectSnapshot applies p to a snapshot of the programmatic API.
func projectSnapshot(p *projection, s Snapshot) (Snapshot, *shareErr) {
	if s.Type == "" {
		return s, nil
	}
	if s.Type != json0URI {
		return s, errf(CodeTypeCannotBeProjected, "Cannot project snapshots of type "+s.Type)
	}
	tree, err := ot.Decode(s.Data)
	if err != nil {
		return s, errInternal
	}
	if s.Data, err = ot.Marshal(p.projectData(tree)); err != nil {
		return s, errInternal
	}
	return s, nil
}

// removeDiff is the "q" message removing the result at index i.
func removeDiff(qid any, i int) []byte {
	step := newMsg().str("type", "remove").num("index", int64(i)).num("howMany", 1).bytes()
	return newMsg().str("a", "q").any("id", qid).raw("diff", joinJSON([][]byte{step})).bytes()
}
