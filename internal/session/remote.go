package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/weftdev/weft/internal/ot"
)

// remoteOp is the PubSub payload of a committed op: the instance that
// committed it, the op's timestamp, and the op message as clients receive
// it (which local subscribers get unchanged).
type remoteOp struct {
	Instance string          `json:"wi"`
	Ts       int64           `json:"ts"`
	Msg      json.RawMessage `json:"m"`
}

// publish announces a committed op to the other instances (through the
// Manager's publisher, which retries a failed publish).
func (d *document) publish(e *tailEntry) {
	if d.m.pub == nil {
		return
	}
	d.m.pub.publish(docChannel(d.key.c, d.key.id), d.m.encodeRemote(e.op.Ts, e.msg))
}

// encodeRemote returns the PubSub payload (a remoteOp) of the op message
// msg, valid JSON as the document encoded it. It starts with remotePrefix,
// so an instance skips its own ops without decoding them.
func (m *Manager) encodeRemote(ts int64, msg []byte) []byte {
	b := make([]byte, 0, len(m.remotePrefix)+len(msg)+32)
	b = append(b, m.remotePrefix...)
	b = append(b, `,"ts":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"m":`...)
	b = append(b, msg...)
	return append(b, '}')
}

func (d *document) subscribeRemote() {
	deliver := func(b []byte) {
		select {
		case d.remote <- b:
		default: // full: remember the gap, catch up from the store
			select {
			case d.gap <- struct{}{}:
			default:
			}
		}
	}
	cancel, err := d.m.opts.PubSub.Subscribe(context.Background(), docChannel(d.key.c, d.key.id), deliver)
	if err != nil {
		d.m.opts.Logger.Warn("subscribe", "collection", d.key.c, "doc", d.key.id, "err", err)
		return
	}
	d.unsubscribe = cancel
}

// parseRemote decodes a remoteOp payload. Payloads as encodeRemote writes
// them ({"wi":"<id>","ts":<n>,"m":<msg>}) are split without a JSON pass
// over the op message, which decodeOpMessage then decodes strictly; any
// other form goes through encoding/json.
func parseRemote(b []byte) (r remoteOp, ok bool) {
	if r, ok = splitRemote(b); ok {
		return r, true
	}
	r = remoteOp{}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, false
	}
	return r, true
}

// splitRemote is parseRemote for encodeRemote's own layout; ok is false
// for anything else.
func splitRemote(b []byte) (r remoteOp, ok bool) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"wi":"`))
	i := bytes.IndexByte(rest, '"')
	if !ok || i < 0 || bytes.IndexByte(rest[:i], '\\') >= 0 {
		return r, false
	}
	r.Instance = string(rest[:i])
	if rest, ok = bytes.CutPrefix(rest[i+1:], []byte(`,"ts":`)); !ok {
		return r, false
	}
	j := bytes.IndexByte(rest, ',')
	if j <= 0 {
		return r, false
	}
	ts, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if rest, ok = bytes.CutPrefix(rest[j:], []byte(`,"m":`)); !ok || err != nil || len(rest) < 2 || rest[len(rest)-1] != '}' {
		return r, false
	}
	r.Ts, r.Msg = ts, rest[:len(rest)-1]
	return r, true
}

// handleRemote applies an op another instance committed: the next version
// is applied, older ones are ignored, and a gap is filled from the store.
func (d *document) handleRemote(b []byte) {
	if d.ensureLoaded() != nil {
		return
	}
	if bytes.HasPrefix(b, d.m.remotePrefix) {
		return // this instance's own op, already applied
	}
	r, ok := parseRemote(b)
	if !ok || r.Instance == d.m.instance {
		return
	}
	op, err := decodeOpMessage(r.Msg)
	if err != nil {
		d.m.opts.Logger.Warn("bad remote op", "collection", d.key.c, "doc", d.key.id, "err", err)
		return
	}
	op.Ts = r.Ts
	switch {
	case op.Version < d.version:
		return
	case op.Version > d.version:
		d.catchUp()
		return
	}
	if err := d.applyStoredMsg(op, r.Msg); err != nil {
		d.m.opts.Logger.Warn("apply remote op", "collection", d.key.c, "doc", d.key.id, "err", err)
		d.unload(d.version)
		return
	}
	d.broadcast(&d.tail[len(d.tail)-1])
	d.trimTail()
}

// catchUp applies the ops the store has beyond the in-memory version.
func (d *document) catchUp() {
	if d.ensureLoaded() != nil {
		return
	}
	ctx, cancel := d.m.storeCtx()
	ops, err := d.m.opts.Store.Ops(ctx, d.key.c, d.key.id, d.version, -1)
	cancel()
	if err != nil {
		d.m.opts.Logger.Warn("catch up", "collection", d.key.c, "doc", d.key.id, "err", err)
		return
	}
	if len(ops) > 0 {
		d.m.obs.GapFilled(len(ops))
	}
	for i := range ops {
		if err := d.applyStored(&ops[i]); err != nil {
			d.m.opts.Logger.Warn("catch up", "collection", d.key.c, "doc", d.key.id, "err", err)
			d.unload(d.version)
			return
		}
		d.broadcast(&d.tail[len(d.tail)-1])
	}
	d.trimTail()
}

// checkHead catches up when the store is ahead (a PubSub message was lost),
// and reloads a document a store failure left unloaded.
func (d *document) checkHead() {
	if !d.loaded {
		_ = d.ensureLoaded()
		return
	}
	ctx, cancel := d.m.storeCtx()
	head, err := d.m.opts.Store.Head(ctx, d.key.c, d.key.id)
	cancel()
	if err == nil && head > d.version {
		d.catchUp()
	}
}

// decodeOpMessage parses an op message ({"a":"op",...}) into an ot.Op.
func decodeOpMessage(b []byte) (*ot.Op, error) {
	v, err := ot.Decode(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("op message is not an object")
	}
	ver, ok := toInt(m["v"])
	if !ok {
		return nil, fmt.Errorf("op message without version")
	}
	op := &ot.Op{Version: ver}
	op.Src, _ = m["src"].(string)
	op.Seq, _ = toInt(m["seq"])
	switch {
	case m["create"] != nil:
		cm, _ := m["create"].(map[string]any)
		t, _ := cm["type"].(string)
		op.Create = &ot.Create{Type: t, Data: cm["data"]}
	case m["del"] == true:
		op.Del = true
	default:
		op.Edit = m["op"]
	}
	return op, nil
}
