package session

import (
	"context"
	"sort"
)

var errBulkData = errf(CodeBadMessage, "Invalid bulk subscribe data")

// bulkItem is one document of a bf/bs request.
type bulkItem struct {
	id   string
	v    int64
	hasV bool
}

// parseBulk reads b: an array of ids, or (bf/bs) an object of id -> version
// or null. mapForm reports the object form.
func parseBulk(req *request) (items []bulkItem, mapForm bool, e *shareErr) {
	switch b := req.m["b"].(type) {
	case []any:
		for _, x := range b {
			id, ok := x.(string)
			if !ok || id == "" || reservedID(id) {
				return nil, false, errf(CodeBadMessage, "Invalid id")
			}
			items = append(items, bulkItem{id: id})
		}
		return items, false, nil
	case map[string]any:
		if req.a == "bu" {
			return nil, false, errBulkData
		}
		for id, x := range b {
			if id == "" || reservedID(id) {
				return nil, false, errf(CodeBadMessage, "Invalid id")
			}
			it := bulkItem{id: id}
			if x != nil {
				n, ok := toInt(x)
				if !ok || n < 0 {
					return nil, false, errf(CodeBadMessage, "Invalid version")
				}
				it.v, it.hasV = n, true
			}
			items = append(items, it)
		}
		sort.Slice(items, func(i, j int) bool { return items[i].id < items[j].id })
		return items, true, nil
	}
	return nil, false, errBulkData
}

// bulkRequest answers bf, bs and bu. Catch-up ops for the object form are
// sent before the reply; the array form replies with a map of snapshots.
func (c *conn) bulkRequest(ctx context.Context, req *request) *shareErr {
	coll, e := req.collection()
	if e != nil {
		return e
	}
	items, mapForm, e := parseBulk(req)
	if e != nil {
		return e
	}
	if req.a == "bu" {
		for _, it := range items {
			done := make(chan struct{})
			if gone, err := c.m.send(ctx, coll, it.id, &unsubEv{conn: c, done: done}); err == nil {
				waitDone(done, gone)
			}
			delete(c.subs, docKey{coll, it.id})
		}
		c.reply(newMsg().str("a", "bu").str("c", coll).any("b", req.m["b"]).bytes())
		return nil
	}
	allowed, denied := c.splitReadable(coll, items)
	if req.a == "bs" {
		added := 0
		for _, it := range allowed {
			if _, ok := c.subs[docKey{coll, it.id}]; !ok {
				added++
			}
		}
		if !c.allowSubscriptions(added) {
			c.refuse(req, LimitSubscriptions, errTooManySubs)
			return nil
		}
	}
	snaps, e := c.bulkFetch(ctx, coll, allowed, req.a == "bs")
	if e != nil {
		return e
	}
	reply := newMsg()
	if len(snaps) > 0 || !mapForm {
		data := newMsg()
		for _, it := range items {
			if s, ok := snaps[it.id]; ok {
				data.raw(it.id, s)
			} else if _, no := denied[it.id]; no {
				data.raw(it.id, bareError(errReadRejected))
			}
		}
		reply.raw("data", data.bytes()).str("a", req.a).str("c", coll)
	} else {
		// The object form's reply names the documents in b; a refused one
		// is answered on its own first, and left out of b.
		b := req.m["b"]
		if len(denied) > 0 {
			single := "f"
			if req.a == "bs" {
				single = "s"
			}
			kept := make(map[string]any, len(allowed))
			for _, it := range items {
				if _, no := denied[it.id]; no {
					c.reply(newMsg().str("a", single).str("c", coll).str("d", it.id).raw("error", appendError(nil, errReadRejected)).bytes())
				} else {
					kept[it.id] = req.m["b"].(map[string]any)[it.id]
				}
			}
			b = kept
		}
		reply.str("a", req.a).str("c", coll).any("b", b)
	}
	c.reply(reply.bytes())
	return nil
}

// splitReadable separates the documents the connection may read from those
// it may not.
func (c *conn) splitReadable(coll string, items []bulkItem) (allowed []bulkItem, denied map[string]struct{}) {
	if c.principal == nil {
		return items, nil
	}
	denied = make(map[string]struct{})
	for _, it := range items {
		if c.canRead(coll, it.id) {
			allowed = append(allowed, it)
		} else {
			denied[it.id] = struct{}{}
		}
	}
	return allowed, denied
}

// bulkFetch asks every document in turn and collects the snapshots of the
// ones without a version.
func (c *conn) bulkFetch(ctx context.Context, coll string, items []bulkItem, subscribe bool) (map[string][]byte, *shareErr) {
	snaps := make(map[string][]byte)
	for _, it := range items {
		if it.hasV {
			it.v = c.catchUp(ctx, coll, it.id, it.v)
		}
		res := make(chan []byte, 1)
		ev := &fetchEv{conn: c, a: "bf", subscribe: subscribe, v: it.v, hasV: it.hasV, result: res}
		gone, err := c.m.send(ctx, coll, it.id, ev)
		if err != nil {
			return nil, errInternal
		}
		if subscribe {
			c.subs[docKey{coll, it.id}] = struct{}{}
		}
		select {
		case s := <-res:
			if s != nil {
				snaps[it.id] = s
			}
		case <-gone:
			return nil, errInternal
		}
	}
	return snaps, nil
}
