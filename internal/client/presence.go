package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// Presence is a presence update from another client. Value is nil when the
// presence was removed.
type Presence struct {
	Channel string
	Src     string
	ID      string
	Value   json.RawMessage
	PV      int64
	// Collection, Doc and Version are set for document presence.
	Collection, Doc string
	Version         int64
}

// presenceState is the Conn's presence bookkeeping, guarded by Conn.mu.
type presenceState struct {
	seq      int64                     // the next ps/pu seq, shared by all channels
	channels map[string]bool           // channels to resubscribe after a reconnect
	waiters  map[presKey]func(error)   // ps/pu replies by (a, ch, seq); p acks by (ch, id, pv)
	local    map[presKey]localPresence // this client's presences by (ch, id)
	remotePV map[presKey]int64         // the newest pv seen per (ch, id)
}

type presKey struct {
	a, ch, id string
	n         int64
}

type localPresence struct {
	value []byte
	pv    int64
	extra []field // c, d, v, t for document presence
}

func newPresenceState() presenceState {
	return presenceState{seq: 1, channels: map[string]bool{}, waiters: map[presKey]func(error){},
		local: map[presKey]localPresence{}, remotePV: map[presKey]int64{}}
}

// SubscribePresence subscribes to a presence channel (ShareDB's ps).
func (c *Conn) SubscribePresence(ctx context.Context, channel string) error {
	return c.presenceSub(ctx, "ps", channel)
}

// UnsubscribePresence unsubscribes from a presence channel (pu).
func (c *Conn) UnsubscribePresence(ctx context.Context, channel string) error {
	return c.presenceSub(ctx, "pu", channel)
}

func (c *Conn) presenceSub(ctx context.Context, a, channel string) error {
	return c.presenceRequest(ctx, func() (presKey, []byte, error) {
		c.pres.channels[channel] = a == "ps"
		k := presKey{a: a, ch: channel, n: c.pres.seq}
		frame, err := encodeFrame(field{"a", a}, field{"ch", channel}, field{"seq", k.n})
		c.pres.seq++
		return k, frame, err
	})
}

// SubmitPresence publishes value (a JSON tree; nil removes the presence) as
// this client's presence id on channel, and waits for the server's echo.
func (c *Conn) SubmitPresence(ctx context.Context, channel, id string, value any) error {
	return c.submitPresence(ctx, channel, id, value, nil)
}

// SubmitPresence publishes document presence on the document's channel,
// tagged with its version and type as ShareDB's client does. Types without
// presence support are refused by the server.
func (d *Doc) SubmitPresence(ctx context.Context, id string, value any) error {
	d.c.mu.Lock()
	var t any = omit{}
	if d.typ != nil {
		t = d.typ.URI()
	}
	extra := []field{{"c", d.collection}, {"d", d.id}, {"v", nullableInt(d.version, d.hasVersion)}, {"t", t}}
	d.c.mu.Unlock()
	return d.c.submitPresence(ctx, d.collection+"."+d.id, id, value, extra)
}

func (c *Conn) submitPresence(ctx context.Context, channel, id string, value any, extra []field) error {
	raw, err := ot.Marshal(value)
	if err != nil {
		return err
	}
	return c.presenceRequest(ctx, func() (presKey, []byte, error) {
		lk := presKey{ch: channel, id: id}
		lp, seen := c.pres.local[lk]
		if seen {
			lp.pv++
		}
		lp.value, lp.extra = raw, extra
		c.pres.local[lk] = lp
		frame, err := lp.frame(channel, id)
		return presKey{a: "p", ch: channel, id: id, n: lp.pv}, frame, err
	})
}

func (lp localPresence) frame(channel, id string) ([]byte, error) {
	fields := append([]field{{"a", "p"}, {"ch", channel}, {"id", id}, {"p", rawJSON(lp.value)}, {"pv", lp.pv}}, lp.extra...)
	return encodeFrame(fields...)
}

func (c *Conn) presenceRequest(ctx context.Context, build func() (presKey, []byte, error)) error {
	ch := make(chan error, 1)
	c.mu.Lock()
	k, frame, err := build()
	if err == nil {
		err = c.sendLocked(frame)
	}
	if err == nil {
		c.pres.waiters[k] = func(err error) { ch <- err }
	}
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("presence %s: %w", k.ch, err)
	}
	if err := wait(ctx, ch); err != nil {
		return fmt.Errorf("presence %s: %w", k.ch, err)
	}
	return nil
}

func (p *presenceState) handleLocked(c *Conn, f *inFrame) []func() {
	switch f.A {
	case "ps", "pu":
		seq, _ := intOf(f.Seq)
		p.finish(presKey{a: f.A, ch: f.Ch, n: seq}, errOf(f))
	case "pr":
		p.resendLocked(c, f.Ch)
	case "p":
		return p.handlePresenceLocked(c, f)
	}
	return nil
}

func (p *presenceState) finish(k presKey, err error) {
	if fn := p.waiters[k]; fn != nil {
		delete(p.waiters, k)
		fn(err)
	}
}

// handlePresenceLocked takes a p frame: the echo of this client's own
// submission (or its error), or another client's presence.
func (p *presenceState) handlePresenceLocked(c *Conn, f *inFrame) []func() {
	var id string
	_ = ot.Unmarshal(f.ID, &id)
	pv, _ := intOf(f.PV)
	if f.Error != nil || f.Src == c.id {
		p.finish(presKey{a: "p", ch: f.Ch, id: id, n: pv}, errOf(f))
		return nil
	}
	rk := presKey{ch: f.Ch, id: id}
	if last, ok := p.remotePV[rk]; ok && pv < last {
		return nil // older than one already seen
	}
	p.remotePV[rk] = pv
	ev := Presence{Channel: f.Ch, Src: f.Src, ID: id, PV: pv, Collection: f.C, Doc: f.D}
	if len(f.P) > 0 && string(f.P) != "null" {
		ev.Value = f.P
	}
	ev.Version, _ = intOf(f.V)
	if hook := c.opts.OnPresence; hook != nil {
		return []func(){func() { hook(ev) }}
	}
	return nil
}

// resendLocked answers a presence request by sending this client's
// non-null presences on channel again.
func (p *presenceState) resendLocked(c *Conn, channel string) {
	for k, lp := range p.local {
		if k.ch != channel || string(lp.value) == "null" {
			continue
		}
		lp.pv++
		p.local[k] = lp
		if frame, err := lp.frame(k.ch, k.id); err == nil {
			_ = c.sendLocked(frame)
		}
	}
}

func (p *presenceState) onDisconnectedLocked() {
	for k, fn := range p.waiters {
		delete(p.waiters, k)
		fn(ErrDisconnected)
	}
}

// onConnectedLocked resubscribes the channels that were subscribed.
func (p *presenceState) onConnectedLocked(c *Conn) {
	for ch, want := range p.channels {
		if !want {
			continue
		}
		frame, err := encodeFrame(field{"a", "ps"}, field{"ch", ch}, field{"seq", p.seq})
		p.seq++
		if err == nil {
			_ = c.sendLocked(frame)
		}
	}
}
