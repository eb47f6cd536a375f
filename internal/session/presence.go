package session

import (
	"context"
	"encoding/json"
	"sync"
)

// presenceHub relays ephemeral presence (ps/pu/p/pr) between the
// subscribers of each presence channel, locally and through the PubSub
// channel "$presence.<ch>". Presence is never stored. Doc presence first
// visits its document, whose goroutine transforms a stale position over the
// ops the sender had not seen (see handlePresence).
//
// The hub's state is a small leaf: mu is held only for map updates and
// non-blocking enqueues, never across I/O or another lock.
type presenceHub struct {
	m     *Manager
	mu    sync.Mutex // guards rooms
	rooms map[string]*room
}

type room struct {
	subs   map[*conn]struct{}
	sent   map[*conn]map[string]*presence // last presence per (connection, presence id)
	cancel func()                         // PubSub subscription, nil without PubSub
}

// presence is one decoded p message.
type presence struct {
	ch, id  string
	src     string
	p       any
	pv      any
	c, d, t string
	v       int64
	doc     bool
	// raw holds the c, d, v and t fields, as sent, of a doc presence that
	// names no document; it is relayed without a transform.
	raw map[string]any
}

func newPresenceHub(m *Manager) *presenceHub {
	return &presenceHub{m: m, rooms: make(map[string]*room)}
}

func (p *presence) encode() []byte {
	m := newMsg().str("a", "p").str("ch", p.ch).str("src", p.src).str("id", p.id).
		any("p", p.p).any("pv", p.pv)
	if p.doc {
		m.str("c", p.c).str("d", p.d).num("v", p.v).str("t", p.t)
	}
	for _, k := range []string{"c", "d", "v", "t"} {
		if v, ok := p.raw[k]; ok {
			m.any(k, v)
		}
	}
	return m.bytes()
}

// room returns the room for ch, creating it (and its PubSub subscription).
// Callers hold h.mu.
func (h *presenceHub) room(ch string) *room {
	r := h.rooms[ch]
	if r == nil {
		r = &room{subs: make(map[*conn]struct{}), sent: make(map[*conn]map[string]*presence)}
		h.rooms[ch] = r
		if ps := h.m.opts.PubSub; ps != nil {
			cancel, err := ps.Subscribe(context.Background(), "$presence."+ch, func(b []byte) { h.remote(ch, b) })
			if err == nil {
				r.cancel = cancel
			}
		}
	}
	return r
}

// dropIfEmpty forgets an unused room. Callers hold h.mu.
func (h *presenceHub) dropIfEmpty(ch string, r *room) {
	if len(r.subs) == 0 && len(r.sent) == 0 {
		if r.cancel != nil {
			r.cancel()
		}
		delete(h.rooms, ch)
	}
}

// fanout sends msg to the room's subscribers whose src differs from src.
// Callers hold h.mu.
func (r *room) fanout(src string, msg []byte) {
	for c := range r.subs {
		if c.src() != src {
			c.enqueue(msg)
		}
	}
}

// presenceEnvelope is the PubSub payload of presence traffic.
type presenceEnvelope struct {
	Instance string          `json:"wi"`
	Src      string          `json:"src"`
	Msg      json.RawMessage `json:"m"`
}

func (h *presenceHub) publishRemote(ch, src string, msg []byte) {
	ps := h.m.opts.PubSub
	if ps == nil {
		return
	}
	b, err := json.Marshal(presenceEnvelope{Instance: h.m.instance, Src: src, Msg: msg})
	if err == nil {
		ctx, cancel := h.m.storeCtx()
		err = ps.Publish(ctx, "$presence."+ch, b)
		cancel()
	}
	if err != nil {
		h.m.opts.Logger.Warn("publish presence", "channel", ch, "err", err)
	}
}

func (h *presenceHub) remote(ch string, b []byte) {
	var env presenceEnvelope
	if err := json.Unmarshal(b, &env); err != nil || env.Instance == h.m.instance {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[ch]; r != nil {
		r.fanout(env.Src, env.Msg)
	}
}

// subscribe adds c to ch and asks the others for their presence.
func (h *presenceHub) subscribe(c *conn, ch string) {
	req := newMsg().str("a", "pr").str("ch", ch).bytes()
	h.mu.Lock()
	r := h.room(ch)
	r.subs[c] = struct{}{}
	r.fanout(c.src(), req)
	h.mu.Unlock()
	h.publishRemote(ch, c.src(), req)
}

// request asks ch's subscribers to resend their presence.
func (h *presenceHub) request(c *conn, ch string) {
	req := newMsg().str("a", "pr").str("ch", ch).bytes()
	h.mu.Lock()
	if r := h.rooms[ch]; r != nil {
		r.fanout(c.src(), req)
	}
	h.mu.Unlock()
	h.publishRemote(ch, c.src(), req)
}

// unsubscribe removes c from ch and broadcasts null for each presence c
// sent there.
//
// A doc presence's null goes through its document, which stamps it with the
// document's current version: a receiver holding a newer version than the
// presence's last one would otherwise wait for ops it already applied and
// never show the leave (ShareDB's server brings it to the latest version
// too).
func (h *presenceHub) unsubscribe(c *conn, ch string) {
	var nulls [][]byte
	var docNulls []*presence
	h.mu.Lock()
	if r := h.rooms[ch]; r != nil {
		if _, ok := r.subs[c]; ok {
			delete(r.subs, c)
			for _, p := range r.sent[c] {
				if p.doc {
					q := *p
					q.p = nil
					docNulls = append(docNulls, &q)
					continue
				}
				nulls = append(nulls, nullPresence(p))
			}
			delete(r.sent, c)
			for _, msg := range nulls {
				r.fanout(c.src(), msg)
			}
		}
		h.dropIfEmpty(ch, r)
	}
	h.mu.Unlock()
	for _, msg := range nulls {
		h.publishRemote(ch, c.src(), msg)
	}
	for _, q := range docNulls {
		ctx, cancel := h.m.storeCtx()
		_, _ = h.m.send(ctx, q.c, q.d, &presenceEv{conn: c, p: q, leave: true})
		cancel()
	}
}

// broadcastLeave sends the null presence p (already at its document's
// current version) to ch's subscribers and the other instances.
func (h *presenceHub) broadcastLeave(p *presence) {
	msg := nullPresence(p)
	h.mu.Lock()
	if r := h.rooms[p.ch]; r != nil {
		r.fanout(p.src, msg)
	}
	h.mu.Unlock()
	h.publishRemote(p.ch, p.src, msg)
}

// nullPresence is the "left" broadcast for p: its last message with a null
// value and a null seq, as ShareDB sends it.
func nullPresence(p *presence) []byte {
	q := *p
	q.p = nil
	b := q.encode()
	return append(b[:len(b)-1], `,"seq":null}`...)
}

// publish relays a presence update from c and acknowledges it to c.
func (h *presenceHub) publish(c *conn, p *presence) {
	msg := p.encode()
	h.mu.Lock()
	r := h.room(p.ch)
	if p.p == nil {
		delete(r.sent[c], p.id)
	} else {
		if r.sent[c] == nil {
			r.sent[c] = make(map[string]*presence)
		}
		r.sent[c][p.id] = p
	}
	r.fanout(p.src, msg)
	h.dropIfEmpty(p.ch, r)
	h.mu.Unlock()
	c.reply(msg)
	h.publishRemote(p.ch, p.src, msg)
}

// forgetConn drops what c sent on channels it never subscribed to.
func (h *presenceHub) forgetConn(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, r := range h.rooms {
		delete(r.sent, c)
		h.dropIfEmpty(ch, r)
	}
}

// closeAll ends every room's PubSub subscription (Shutdown).
func (h *presenceHub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, r := range h.rooms {
		if r.cancel != nil {
			r.cancel()
		}
		delete(h.rooms, ch)
	}
}
