package session

import (
	"context"
	"errors"
)

// history answers nf (snapshot at a version) and nt (at a time). The reply
// carries the request id and no c/d: {"id","v","type","data","m":null,"a"}.
func (c *conn) history(ctx context.Context, req *request) *shareErr {
	coll, id, e := docTarget(req)
	if e != nil {
		return e
	}
	if !c.canRead(coll, id) {
		return errReadRejected
	}
	coll, proj := c.m.resolve(coll)
	rid, ok := req.m["id"]
	if !ok || rid == nil {
		return errf(CodeBadMessage, "Missing query ID")
	}
	var snap Snapshot
	var err error
	if req.a == "nf" {
		v, hasV, e := req.version("v")
		if e != nil {
			return e
		}
		if hasV {
			snap, err = c.m.SnapshotAt(ctx, coll, id, v)
		} else {
			snap, err = c.m.Fetch(ctx, coll, id)
		}
	} else {
		ts, present := req.m["ts"]
		switch t := ts.(type) {
		case nil:
			snap, err = c.m.Fetch(ctx, coll, id)
		case float64:
			snap, err = c.m.SnapshotAtTime(ctx, coll, id, int64(t))
		default:
			_ = present
			return errf(CodeBadMessage, "Invalid timestamp")
		}
	}
	if errors.Is(err, ErrVersionNewer) {
		return errf(CodeVersionNewer, "Requested version exceeds latest snapshot version")
	}
	if err != nil {
		c.log.Error("history", "collection", coll, "doc", id, "err", err)
		return errInternal
	}
	if proj != nil {
		if snap, e = projectSnapshot(proj, snap); e != nil {
			return e
		}
	}
	m := newMsg().any("id", rid).num("v", snap.Version)
	if snap.Type == "" {
		m.raw("type", []byte("null"))
	} else {
		m.str("type", snap.Type).raw("data", snap.Data)
	}
	c.reply(m.raw("m", []byte("null")).str("a", req.a).bytes())
	return nil
}
