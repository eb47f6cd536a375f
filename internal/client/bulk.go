package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// BulkFetch fetches several documents of one collection with bf frames.
func (c *Conn) BulkFetch(ctx context.Context, collection string, ids []string) error {
	return c.bulkRequest(ctx, "bf", collection, ids)
}

// BulkSubscribe subscribes to several documents of one collection with bs
// frames.
func (c *Conn) BulkSubscribe(ctx context.Context, collection string, ids []string) error {
	return c.bulkRequest(ctx, "bs", collection, ids)
}

// BulkUnsubscribe unsubscribes several documents with one bu frame.
func (c *Conn) BulkUnsubscribe(ctx context.Context, collection string, ids []string) error {
	return c.bulkRequest(ctx, "bu", collection, ids)
}

// bulkRequest sends, as ShareDB's client does, one frame listing the ids
// whose version is unknown (answered with snapshots) and one mapping ids to
// known versions (answered with the missing ops), and waits for both. A
// per-document error fails the call after every document was handled.
func (c *Conn) bulkRequest(ctx context.Context, a, collection string, ids []string) error {
	ch := make(chan error, 2)
	c.mu.Lock()
	var unknown []any
	known := map[string]any{}
	for _, id := range ids {
		d := c.getLocked(collection, id)
		d.wantSub = a == "bs" || (a != "bu" && d.wantSub)
		if d.hasVersion && a != "bu" {
			known[id] = d.version
		} else {
			unknown = append(unknown, id)
		}
	}
	var bodies []any
	if len(unknown) > 0 {
		bodies = append(bodies, unknown)
	}
	if len(known) > 0 {
		bodies = append(bodies, known)
	}
	var frames [][]byte
	for _, b := range bodies {
		frame, err := encodeFrame(field{"a", a}, field{"c", collection}, field{"b", b})
		if err != nil {
			c.mu.Unlock()
			return err
		}
		frames = append(frames, frame)
	}
	err := c.sendBulkLocked(a, collection, frames, func(_ *inFrame, err error) { ch <- err })
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s %s: %w", a, collection, err)
	}
	var errs []error
	for range frames {
		if err := wait(ctx, ch); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s %s: %w", a, collection, err)
	}
	return nil
}

func (c *Conn) sendBulkLocked(a, collection string, frames [][]byte, done func(*inFrame, error)) error {
	for _, frame := range frames {
		if err := c.sendLocked(frame); err != nil {
			return err
		}
		k := bulkKey{a, collection}
		c.bulk[k] = append(c.bulk[k], done)
	}
	return nil
}

func (c *Conn) getLocked(collection, id string) *Doc {
	k := docKey{collection, id}
	d := c.docs[k]
	if d == nil {
		d = &Doc{c: c, collection: collection, id: id, changed: make(chan struct{})}
		c.docs[k] = d
	}
	return d
}

// handleBulkLocked handles a bf, bs or bu reply: snapshots keyed by id, or
// an echo of the request after the missing ops.
func (c *Conn) handleBulkLocked(f *inFrame) []func() {
	k := bulkKey{f.A, f.C}
	fns := c.bulk[k]
	if len(fns) == 0 {
		return nil
	}
	done := fns[0]
	if c.bulk[k] = fns[1:]; len(c.bulk[k]) == 0 {
		delete(c.bulk, k)
	}
	if f.Error != nil {
		done(f, f.Error)
		return nil
	}
	done(f, c.applyBulkLocked(f))
	return nil
}

func (c *Conn) applyBulkLocked(f *inFrame) error {
	if f.Data != nil {
		var snaps map[string]*wireSnapshot
		if err := ot.Unmarshal(f.Data, &snaps); err != nil {
			return err
		}
		var errs []error
		for id, snap := range snaps {
			errs = append(errs, c.ingestBulkLocked(f.A, c.getLocked(f.C, id), snap))
		}
		return errors.Join(errs...)
	}
	var ids []string
	if f.A == "bu" {
		_ = ot.Unmarshal(f.B, &ids)
	} else {
		var m map[string]any
		_ = ot.Unmarshal(f.B, &m)
		for id := range m {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		d := c.getLocked(f.C, id)
		d.subscribed = f.A == "bs" && d.wantSub
	}
	return nil
}

func (c *Conn) ingestBulkLocked(a string, d *Doc, snap *wireSnapshot) error {
	if snap.Error != nil {
		return fmt.Errorf("%s: %w", d.id, snap.Error)
	}
	if a == "bs" {
		d.subscribed = d.wantSub
	}
	err := d.ingestSnapshotLocked(snap, nil)
	if err == errRefetching {
		return nil
	}
	return err
}
