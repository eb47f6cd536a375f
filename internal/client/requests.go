package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// Snapshot is a document at a version, as nf and nt replies carry it.
type Snapshot struct {
	Version int64
	// Type is the type's URI, "" when the document does not exist.
	Type string
	// Data is the snapshot's JSON, nil when the document does not exist.
	Data json.RawMessage
}

// FetchSnapshot reads collection/id at version (ShareDB's nf); a nil
// version reads the current snapshot.
func (c *Conn) FetchSnapshot(ctx context.Context, collection, id string, version *int64) (Snapshot, error) {
	v := any(nil)
	if version != nil {
		v = *version
	}
	return c.snapshotRequest(ctx, "nf", collection, id, field{"v", v})
}

// FetchSnapshotAt reads collection/id as it was at ts, in Unix milliseconds
// (ShareDB's nt); a nil ts reads the current snapshot.
func (c *Conn) FetchSnapshotAt(ctx context.Context, collection, id string, ts *int64) (Snapshot, error) {
	t := any(nil)
	if ts != nil {
		t = *ts
	}
	return c.snapshotRequest(ctx, "nt", collection, id, field{"ts", t})
}

func (c *Conn) snapshotRequest(ctx context.Context, a, collection, id string, at field) (Snapshot, error) {
	type result struct {
		f   *inFrame
		err error
	}
	ch := make(chan result, 1)
	c.mu.Lock()
	reqID := c.nextReqID
	frame, err := encodeFrame(field{"a", a}, field{"id", reqID}, field{"c", collection}, field{"d", id}, at)
	if err == nil {
		err = c.sendLocked(frame)
	}
	if err == nil {
		c.nextReqID++
		c.reqs[reqID] = func(f *inFrame, err error) { ch <- result{f, err} }
	}
	c.mu.Unlock()
	if err != nil {
		return Snapshot{}, fmt.Errorf("%s %s/%s: %w", a, collection, id, err)
	}
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.reqs, reqID)
		c.mu.Unlock()
		return Snapshot{}, ctx.Err()
	}
	if r.err == nil && r.f.Error != nil {
		r.err = r.f.Error
	}
	if r.err != nil {
		return Snapshot{}, fmt.Errorf("%s %s/%s: %w", a, collection, id, r.err)
	}
	return snapshotOf(r.f)
}

func snapshotOf(f *inFrame) (Snapshot, error) {
	v, ok := intOf(f.V)
	if !ok {
		return Snapshot{}, localError("ERR_INGESTED_SNAPSHOT_HAS_NO_VERSION", "Missing version in snapshot")
	}
	s := Snapshot{Version: v, Data: f.Data}
	if f.Type != nil {
		var t *string
		if err := ot.Unmarshal(f.Type, &t); err != nil {
			return Snapshot{}, err
		}
		if t != nil {
			s.Type = *t
		}
	}
	return s, nil
}

func (c *Conn) handleRequestReplyLocked(f *inFrame) {
	var id float64
	if ot.Unmarshal(f.ID, &id) != nil {
		return
	}
	rid := int64(id)
	if fn := c.reqs[rid]; fn != nil {
		delete(c.reqs, rid)
		fn(f, nil)
	}
}

// Ping sends ShareDB's application-level ping and waits for the pong.
func (c *Conn) Ping(ctx context.Context) error {
	ch := make(chan error, 1)
	c.mu.Lock()
	frame, _ := encodeFrame(field{"a", "pp"})
	err := c.sendLocked(frame)
	if err == nil {
		c.pings = append(c.pings, func(err error) { ch <- err })
	}
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return wait(ctx, ch)
}

func (c *Conn) handlePingLocked() {
	if len(c.pings) > 0 {
		fn := c.pings[0]
		c.pings = c.pings[1:]
		fn(nil)
	}
}

// SendRaw sends frame as is, for protocol tests. Replies reach only
// Options.OnFrame (and the normal handling if they match a request).
func (c *Conn) SendRaw(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendLocked(append([]byte(nil), frame...))
}
