package session

import (
	"context"
	"time"

	"github.com/weftdev/weft/internal/ot"
)

var (
	ppReply       = []byte(`{"a":"pp"}`)
	errUnknownMsg = errf(CodeBadMessage, "Invalid or unknown message")
)

// dispatch handles one text frame. Single-document messages go to the
// document's inbox in order (per document, replies follow that order);
// bulk, query and history requests are answered before the next frame is
// read.
func (c *conn) dispatch(ctx context.Context, data []byte) {
	req, e := parseRequest(data)
	if e != nil {
		c.rejected(e)
		c.reply(bareError(e))
		return
	}
	if !c.checkLimits(req, len(data)) {
		return
	}
	var se *shareErr
	switch req.a {
	case "hs":
		se = c.handshake(req)
	case "pp":
		c.reply(ppReply)
	case "f", "s", "u":
		se = c.docRequest(ctx, req)
	case "bf", "bs", "bu":
		se = c.bulkRequest(ctx, req)
	case "op":
		se = c.submit(ctx, req)
	case "nf", "nt":
		se = c.history(ctx, req)
	case "qf", "qs", "qu":
		se = c.queryRequest(ctx, req)
	case "ps", "pu", "p", "pr":
		se = c.presenceRequest(ctx, req)
	default:
		se = errUnknownMsg
	}
	if se != nil {
		c.replyError(req, se)
	}
}

// handshake adopts the client's id when it sends one (reconnects keep their
// src, which duplicate detection relies on).
func (c *conn) handshake(req *request) *shareErr {
	for _, k := range []string{"protocol", "protocolMinor"} {
		if v, ok := req.m[k]; ok && v != nil {
			switch v.(type) {
			case float64, string:
			default:
				return errf(CodeBadMessage, "Invalid protocol")
			}
		}
	}
	c.setProtocol(req.m["protocol"], req.m["protocolMinor"])
	if id, present, ok := req.str("id"); present {
		if !ok {
			return errf(CodeBadMessage, "Invalid id")
		}
		if id != "" {
			c.srcp.Store(&id)
		}
	}
	c.reply(newMsg().str("a", "hs").num("protocol", 1).num("protocolMinor", 2).
		str("id", c.src()).str("type", json0URI).bytes())
	return nil
}

// docTarget reads and checks c and d.
func docTarget(req *request) (string, string, *shareErr) {
	coll, e := req.collection()
	if e != nil {
		return "", "", e
	}
	id, e := req.reqString("d", "id")
	if e != nil {
		return "", "", e
	}
	if reservedID(id) {
		return "", "", errf(CodeBadMessage, "Invalid id")
	}
	return coll, id, nil
}

// reservedID reports names ShareDB 7 refuses as ids (Object.prototype's).
func reservedID(id string) bool {
	switch id {
	case "__proto__", "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
		"toLocaleString", "toString", "valueOf", "__defineGetter__", "__defineSetter__",
		"__lookupGetter__", "__lookupSetter__":
		return true
	}
	return false
}

func (c *conn) docRequest(ctx context.Context, req *request) *shareErr {
	coll, id, e := docTarget(req)
	if e != nil {
		return e
	}
	if req.a != "u" && !c.canRead(coll, id) {
		return errReadRejected
	}
	target, proj := c.m.resolve(coll)
	if req.a == "u" {
		done := make(chan struct{})
		gone, err := c.m.send(ctx, target, id, &unsubEv{conn: c, done: done, proj: proj})
		if err == nil {
			waitDone(done, gone)
		}
		delete(c.subs, docKey{coll, id})
		c.reply(docReply("u", coll, id))
		return nil
	}
	v, hasV, e := req.version("v")
	if e != nil {
		return e
	}
	if _, subscribed := c.subs[docKey{coll, id}]; req.a == "s" && !subscribed && !c.allowSubscriptions(1) {
		c.refuse(req, LimitSubscriptions, errTooManySubs)
		return nil
	}
	if hasV && proj == nil {
		v = c.catchUp(ctx, coll, id, v)
	}
	ev := &fetchEv{conn: c, req: req, a: req.a, subscribe: req.a == "s", v: v, hasV: hasV, proj: proj}
	if _, err := c.m.send(ctx, target, id, ev); err != nil {
		return errInternal
	}
	if ev.subscribe {
		c.subs[docKey{coll, id}] = struct{}{}
	}
	return nil
}

func waitDone(done chan struct{}, gone <-chan struct{}) {
	select {
	case <-done:
	case <-gone:
	}
}

// submit checks an op message and hands it to its document.
func (c *conn) submit(ctx context.Context, req *request) *shareErr {
	coll, id, e := docTarget(req)
	if e != nil {
		return e
	}
	if !c.canWrite(coll, id) {
		return errWriteRejected
	}
	target, proj := c.m.resolve(coll)
	ev := &submitEv{conn: c, req: req, proj: proj, start: time.Now()}
	if ev.op.Version, ev.hasV, e = req.version("v"); e != nil {
		return e
	}
	if e = readSrcSeq(req, c, &ev.op); e != nil {
		return e
	}
	if e = readOpBody(req, &ev.op); e != nil {
		return e
	}
	if _, err := c.m.send(ctx, target, id, ev); err != nil {
		return errInternal
	}
	return nil
}

func readSrcSeq(req *request, c *conn, op *ot.Op) *shareErr {
	src, present, ok := req.str("src")
	if present && !ok {
		return errf(CodeOpBadlyFormed, "src must be a string")
	}
	if !present || src == "" {
		src = c.src()
	}
	op.Src = src
	raw, has := req.m["seq"]
	if !has || raw == nil {
		return errf(CodeOpBadlyFormed, "Both src and seq must be set together")
	}
	f, isNum := raw.(float64)
	if !isNum {
		return errf(CodeBadMessage, "Invalid seq")
	}
	if f >= maxSeq {
		return errf(CodeSeqOverflow, "Connection seq has exceeded the max safe integer, maybe from being open for too long")
	}
	seq, ok := toInt(f)
	if !ok || seq < 0 {
		return errf(CodeBadMessage, "Invalid seq")
	}
	op.Seq = seq
	return nil
}

// readOpBody reads exactly one of create, del and op (in ShareDB's order).
func readOpBody(req *request, op *ot.Op) *shareErr {
	if cr, ok := req.m["create"]; ok {
		cm, isObj := cr.(map[string]any)
		if !isObj {
			return errf(CodeOpBadlyFormed, "Create data must be an object")
		}
		t, isStr := cm["type"].(string)
		if !isStr {
			return errf(CodeOpBadlyFormed, "Missing create type")
		}
		op.Create = &ot.Create{Type: t, Data: cm["data"]}
		return nil
	}
	if del, ok := req.m["del"]; ok {
		if del != true {
			return errf(CodeOpBadlyFormed, "del value must be true")
		}
		op.Del = true
		return nil
	}
	edit, ok := req.m["op"]
	if !ok {
		return errf(CodeBadMessage, "Invalid op message")
	}
	op.Edit = edit
	return nil
}
