package store

import (
	"bytes"
	"context"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/weftdev/weft/internal/ot"
)

// view runs fn in a read-only transaction with the store's buckets.
func (s *Bolt) view(fn func(b boltTx) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b, err := buckets(tx)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// Ops implements session.Store.Ops with one sequential cursor scan. A hole
// in the stored log, or an op whose recorded version disagrees with its
// key, is reported as an error naming the key.
func (s *Bolt) Ops(ctx context.Context, collection, id string, from, to int64) ([]ot.Op, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: ops %q/%q: %w", collection, id, err)
	}
	if err := s.waitIndexed(ctx, string(headKey(collection, id))); err != nil {
		return nil, fmt.Errorf("store: ops %q/%q: %w", collection, id, err)
	}
	from = max(from, 0)
	if to < 0 {
		to = math.MaxInt64
	}
	ops := []ot.Op{}
	if from >= to {
		return ops, nil
	}
	prefix := docPrefix(collection, id)
	err := s.view(func(b boltTx) error {
		c := b.ops.Cursor()
		want := from
		for k, rec := c.Seek(versionKey(prefix, from)); k != nil && bytes.HasPrefix(k, prefix) && want < to; k, rec = c.Next() {
			op, err := decodeStoredOp(k, rec, prefix, want)
			if err != nil {
				return fmt.Errorf("store: op %q/%q v%d: %w", collection, id, want, err)
			}
			ops = append(ops, op)
			want++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ops, nil
}

// decodeStoredOp decodes the op under key k, which must hold version want.
func decodeStoredOp(k, rec, prefix []byte, want int64) (ot.Op, error) {
	v, err := keyVersion(k, prefix, 8)
	if err != nil {
		return ot.Op{}, err
	}
	if v != want {
		return ot.Op{}, fmt.Errorf("log has a hole: next stored op is v%d", v)
	}
	op, err := decodeOp(rec)
	if err != nil {
		return ot.Op{}, fmt.Errorf("key %x: %w", k, err)
	}
	if op.Version != v {
		return ot.Op{}, fmt.Errorf("key %x: stored op says v%d", k, op.Version)
	}
	return op, nil
}

// Snapshot implements session.Store.Snapshot with one cursor seek.
func (s *Bolt) Snapshot(ctx context.Context, collection, id string, atMost int64) (ot.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return ot.Snapshot{}, fmt.Errorf("store: snapshot %q/%q: %w", collection, id, err)
	}
	if err := s.waitIndexed(ctx, string(headKey(collection, id))); err != nil {
		return ot.Snapshot{}, fmt.Errorf("store: snapshot %q/%q: %w", collection, id, err)
	}
	if atMost < 0 {
		atMost = math.MaxInt64
	}
	prefix := docPrefix(collection, id)
	var snap ot.Snapshot
	err := s.view(func(b boltTx) error {
		c := b.snaps.Cursor()
		seek := versionKey(prefix, atMost)
		k, rec := c.Seek(seek)
		if !bytes.Equal(k, seek) {
			if k == nil {
				k, rec = c.Last()
			} else {
				k, rec = c.Prev()
			}
		}
		if k == nil || !bytes.HasPrefix(k, prefix) {
			return nil // no snapshot stored at or before atMost
		}
		var err error
		snap, err = decodeStoredSnapshot(k, rec, prefix)
		if err != nil {
			return fmt.Errorf("store: snapshot %q/%q: %w", collection, id, err)
		}
		return nil
	})
	return snap, err
}

func decodeStoredSnapshot(k, rec, prefix []byte) (ot.Snapshot, error) {
	v, err := keyVersion(k, prefix, 8)
	if err != nil {
		return ot.Snapshot{}, err
	}
	snap, err := decodeSnapshot(rec)
	if err != nil {
		return ot.Snapshot{}, fmt.Errorf("key %x: %w", k, err)
	}
	if snap.Version != v {
		return ot.Snapshot{}, fmt.Errorf("key %x: stored snapshot says v%d", k, snap.Version)
	}
	return snap, nil
}

// Head implements session.Store.Head.
func (s *Bolt) Head(ctx context.Context, collection, id string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: head %q/%q: %w", collection, id, err)
	}
	if err := s.waitIndexed(ctx, string(headKey(collection, id))); err != nil {
		return 0, fmt.Errorf("store: head %q/%q: %w", collection, id, err)
	}
	h, err := s.head(collection, id)
	return h.head, err
}

func (s *Bolt) head(collection, id string) (headValue, error) {
	var h headValue
	err := s.view(func(b boltTx) error {
		var err error
		k := headKey(collection, id)
		if h, err = decodeHeadValue(b.heads.Get(k)); err != nil {
			return fmt.Errorf("store: head %q/%q (key %x): %w", collection, id, k, err)
		}
		return nil
	})
	return h, err
}

// VersionAt implements session.Store.VersionAt with one seek in the time
// index: the version of the first op whose timestamp exceeds ts, or the
// head when there is none (see doc.go on clock steps).
func (s *Bolt) VersionAt(ctx context.Context, collection, id string, ts int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: version at %q/%q: %w", collection, id, err)
	}
	if err := s.waitIndexed(ctx, string(headKey(collection, id))); err != nil {
		return 0, fmt.Errorf("store: version at %q/%q: %w", collection, id, err)
	}
	prefix := docPrefix(collection, id)
	var v int64
	err := s.view(func(b boltTx) error {
		hk := headKey(collection, id)
		h, err := decodeHeadValue(b.heads.Get(hk))
		if err != nil {
			return fmt.Errorf("store: head %q/%q (key %x): %w", collection, id, hk, err)
		}
		v = h.head
		if ts == math.MaxInt64 {
			return nil
		}
		k, _ := b.times.Cursor().Seek(timeKey(prefix, ts+1, 0))
		if k == nil || !bytes.HasPrefix(k, prefix) {
			return nil
		}
		if v, err = keyVersion(k, prefix, 16); err != nil {
			return fmt.Errorf("store: version at %q/%q: %w", collection, id, err)
		}
		if v > h.head {
			return fmt.Errorf("store: version at %q/%q: key %x: v%d beyond head v%d", collection, id, k, v, h.head)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return v, nil
}

// List implements session.Store.List by walking the collection's head keys,
// which sort by id.
func (s *Bolt) List(ctx context.Context, collection, after string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: list %q: %w", collection, err)
	}
	if err := s.waitIndexed(ctx, ""); err != nil {
		return nil, fmt.Errorf("store: list %q: %w", collection, err)
	}
	ids := []string{}
	if limit <= 0 {
		return ids, nil
	}
	prefix := collPrefix(collection)
	err := s.view(func(b boltTx) error {
		c := b.heads.Cursor()
		start := headKey(collection, after)
		k, _ := c.Seek(start)
		if bytes.Equal(k, start) {
			k, _ = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(ids) < limit; k, _ = c.Next() {
			ids = append(ids, string(k[len(prefix):]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}
