package session

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/weftdev/weft/internal/ot"
)

// queryHub tracks live queries (qs) per collection. After every committed
// op (local or remote) a document calls changed: the op is forwarded to the
// queries whose results hold the document, and those queries re-run in
// their own goroutine and push the difference as a "q" message.
type queryHub struct {
	m      *Manager
	mu     sync.Mutex // guards byColl
	byColl map[string]map[*liveQuery]struct{}
	wg     sync.WaitGroup
}

// liveQuery is one qs subscription.
type liveQuery struct {
	conn  *conn
	id    any // the request's query id, echoed
	coll  string
	q     *query
	dirty chan struct{} // capacity 1: a re-run is due
	stop  chan struct{}
	once  sync.Once

	mu  sync.Mutex // guards ids and gen
	ids []string   // the results as the client holds them
	// gen counts the changes made to ids outside poll (a deleted document
	// leaving the results). A poll whose query ran across such a change
	// discards its rows and runs again, or it would put the deleted
	// document back and remove it a second time.
	gen uint64
}

func newQueryHub(m *Manager) *queryHub {
	return &queryHub{m: m, byColl: make(map[string]map[*liveQuery]struct{})}
}

func (h *queryHub) add(q *liveQuery) {
	h.mu.Lock()
	set := h.byColl[q.coll]
	if set == nil {
		set = make(map[*liveQuery]struct{})
		h.byColl[q.coll] = set
	}
	set[q] = struct{}{}
	h.mu.Unlock()
	h.wg.Add(1)
	go func() { defer h.wg.Done(); h.poll(q) }()
}

func (h *queryHub) remove(q *liveQuery) {
	h.mu.Lock()
	if set := h.byColl[q.coll]; set != nil {
		delete(set, q)
		if len(set) == 0 {
			delete(h.byColl, q.coll)
		}
	}
	h.mu.Unlock()
	q.once.Do(func() { close(q.stop) })
}

// stopAll ends every live query and waits for their goroutines.
func (h *queryHub) stopAll() {
	h.mu.Lock()
	var all []*liveQuery
	for _, set := range h.byColl {
		for q := range set {
			all = append(all, q)
		}
	}
	h.mu.Unlock()
	for _, q := range all {
		h.remove(q)
	}
	h.wg.Wait()
}

// changed is called by a document after it applies a committed op. It
// never blocks.
// project encodes the op for a query through a projection (nil: none).
// A deleted document leaves the results (a remove diff) before its delete
// op is forwarded, as in ShareDB.
func (h *queryHub) changed(coll, id, src string, msg []byte, del bool, project func(*projection) []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for q := range h.byColl[coll] {
		q.mu.Lock()
		i := slices.Index(q.ids, id)
		in := i >= 0
		if in && del {
			q.ids = slices.Delete(q.ids, i, i+1)
			q.gen++
			q.conn.enqueue(removeDiff(q.id, i))
		}
		q.mu.Unlock()
		if in && q.conn.src() != src {
			if q.q.proj == nil {
				q.conn.enqueue(msg)
			} else if pm := project(q.q.proj); pm != nil {
				q.conn.enqueue(pm)
			}
		}
		q.markDirty()
	}
}

func (q *liveQuery) markDirty() {
	select {
	case q.dirty <- struct{}{}:
	default:
	}
}

func (h *queryHub) poll(q *liveQuery) {
	for {
		select {
		case <-q.stop:
			return
		case <-q.dirty:
		}
		q.mu.Lock()
		gen := q.gen
		q.mu.Unlock()
		ctx, cancel := h.m.storeCtx()
		rows, err := h.m.runQuery(ctx, q.coll, q.q)
		cancel()
		if err != nil {
			h.m.opts.Logger.Warn("live query", "collection", q.coll, "err", err)
			continue
		}
		q.mu.Lock()
		if q.gen != gen {
			q.mu.Unlock()
			q.markDirty()
			continue
		}
		if q.q.mem != nil && len(q.q.mem.sort) == 0 {
			rows = keepOrder(q.ids, rows)
		}
		diff, ids := queryDiff(q.ids, rows)
		q.ids = ids
		q.mu.Unlock()
		if len(diff) > 0 {
			q.conn.enqueue(newMsg().str("a", "q").any("id", q.id).raw("diff", joinJSON(diff)).bytes())
		}
	}
}

// queryDiff returns arraydiff steps (remove, move, insert) turning the ids
// old into rows' ids, and those ids.
func queryDiff(old []string, rows []*row) ([][]byte, []string) {
	cur := slices.Clone(old)
	want := make(map[string]bool, len(rows))
	for _, r := range rows {
		want[r.id] = true
	}
	var diff [][]byte
	for i := len(cur) - 1; i >= 0; i-- {
		if !want[cur[i]] {
			diff = append(diff, newMsg().str("type", "remove").num("index", int64(i)).num("howMany", 1).bytes())
			cur = slices.Delete(cur, i, i+1)
		}
	}
	for i, r := range rows {
		if i < len(cur) && cur[i] == r.id {
			continue
		}
		if j := slices.Index(cur, r.id); j >= 0 {
			diff = append(diff, newMsg().str("type", "move").num("from", int64(j)).num("to", int64(i)).num("howMany", 1).bytes())
			cur = slices.Delete(cur, j, j+1)
			cur = slices.Insert(cur, i, r.id)
			continue
		}
		diff = append(diff, newMsg().str("type", "insert").num("index", int64(i)).raw("values", joinJSON([][]byte{rowJSON(r)})).bytes())
		cur = slices.Insert(cur, i, r.id)
	}
	return diff, cur
}

func joinJSON(items [][]byte) []byte {
	b := []byte{'['}
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}

// queryRequest answers qf, qs and qu.
func (c *conn) queryRequest(ctx context.Context, req *request) *shareErr {
	qid, ok := req.m["id"]
	if !ok || qid == nil {
		return errf(CodeBadMessage, "Missing query ID")
	}
	key, _ := ot.Marshal(qid)
	if req.a == "qu" {
		if q := c.queries[string(key)]; q != nil {
			c.m.queries.remove(q)
			delete(c.queries, string(key))
		}
		c.reply(newMsg().str("a", "qu").any("id", qid).bytes())
		return nil
	}
	coll, e := req.collection()
	if e != nil {
		return e
	}
	if req.a == "qs" && c.queries[string(key)] == nil && !c.allowSubscriptions(1) {
		c.refuse(req, LimitSubscriptions, errTooManySubs)
		return nil
	}
	q, e := c.m.parseQuery(req.m["q"])
	if e != nil {
		return e
	}
	if c.principal != nil {
		name := coll
		q.allow = func(id string) bool { return c.principal.CanRead(name, id) }
	}
	coll, q.proj = c.m.resolve(coll)
	known, e := parseKnown(req)
	if e != nil {
		return e
	}
	rows, err := c.m.runQuery(ctx, coll, q)
	if se := (*shareErr)(nil); errors.As(err, &se) {
		return se
	}
	if err != nil {
		c.log.Error("query", "collection", coll, "err", err)
		return errInternal
	}
	if known != nil && req.a == "qs" {
		return c.resubscribeQuery(ctx, req, coll, q, qid, string(key), known, rows)
	}
	items := make([][]byte, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		items[i], ids[i] = rowJSON(r), r.id
	}
	reply := newMsg().raw("data", joinJSON(items)).str("a", req.a).any("id", qid).bytes()
	if req.a != "qs" {
		c.reply(reply)
		return nil
	}
	// Register before replying, holding the query's lock until the reply
	// is queued: an op committed meanwhile (a delete, say) then reaches
	// the query after its results, with its remove diff first. Re-run once
	// too: an op committed between the run and the registration would
	// otherwise go unnoticed.
	lq := c.startQuery(coll, q, qid, string(key), ids, reply)
	lq.markDirty()
	return nil
}

// startQuery registers a live query; the caller marks it dirty after its
// reply is queued, so that diffs follow the reply.
//
// reply, when not nil, is queued to the connection after the query is
// registered and before any change can reach it.
func (c *conn) startQuery(coll string, q *query, qid any, key string, ids []string, reply []byte) *liveQuery {
	if old := c.queries[key]; old != nil {
		c.m.queries.remove(old)
	}
	lq := &liveQuery{conn: c, id: qid, coll: coll, q: q, ids: ids,
		dirty: make(chan struct{}, 1), stop: make(chan struct{})}
	c.queries[key] = lq
	lq.mu.Lock()
	c.m.queries.add(lq)
	if reply != nil {
		c.reply(reply)
	}
	lq.mu.Unlock()
	return lq
}

// knownDoc is an entry of a resubscribe's r: [id, version or null].
type knownDoc struct {
	id   string
	v    int64
	hasV bool
}

func parseKnown(req *request) ([]knownDoc, *shareErr) {
	raw, ok := req.m["r"]
	if !ok || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, errf(CodeBadMessage, "Invalid query results")
	}
	out := make([]knownDoc, 0, len(list))
	for _, x := range list {
		pair, ok := x.([]any)
		if !ok || len(pair) != 2 {
			return nil, errf(CodeBadMessage, "Invalid query results")
		}
		id, ok := pair[0].(string)
		if !ok {
			return nil, errf(CodeBadMessage, "Invalid query results")
		}
		k := knownDoc{id: id}
		if pair[1] != nil {
			v, ok := toInt(pair[1])
			if !ok || v < 0 {
				return nil, errf(CodeBadMessage, "Invalid query results")
			}
			k.v, k.hasV = v, true
		}
		out = append(out, k)
	}
	return out, nil
}

// resubscribeQuery answers a qs carrying the client's previous results:
// catch-up ops for the documents it knows at a version, a map of snapshots
// for those it knows without one, then a diff from its list to the current
// results.
func (c *conn) resubscribeQuery(ctx context.Context, req *request, coll string, q *query, qid any, key string, known []knownDoc, rows []*row) *shareErr {
	byID := make(map[string]*row, len(rows))
	for _, r := range rows {
		byID[r.id] = r
	}
	data := newMsg()
	ids := make([]string, 0, len(known))
	for _, k := range known {
		ids = append(ids, k.id)
		r := byID[k.id]
		if r == nil {
			continue
		}
		if !k.hasV {
			data.raw(k.id, snapshotJSON("", r.v, r.typ, r.data))
			continue
		}
		if _, e := c.bulkFetch(ctx, coll, []bulkItem{{id: k.id, v: k.v, hasV: true}}, false); e != nil {
			return e
		}
	}
	lq := c.startQuery(coll, q, qid, key, ids, newMsg().raw("data", data.bytes()).str("a", "qs").any("id", qid).bytes())
	lq.markDirty()
	return nil
}
