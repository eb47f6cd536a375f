package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/weftdev/weft/internal/ot"
)

// Memory is an in-memory Store for tests. It keeps each op and snapshot in
// its encoded stored form (the same codec as the embedded store), so values
// are deep-copied in and out: callers can never alias its state, and it
// accepts and returns exactly what the durable stores do. It is safe for
// concurrent use. Nothing survives the process.
type Memory struct {
	mu    sync.RWMutex
	colls map[string]map[string]*memDoc // guarded by mu
}

// memDoc is one document's record. Stored byte slices are never modified
// after they are stored, so readers may decode them after releasing mu.
type memDoc struct {
	ops      [][]byte // encoded ops; index is version
	cts      []int64  // running maximum of op timestamps; index is version
	snapVers []int64  // versions of stored snapshots, ascending
	snaps    map[int64][]byte
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{colls: make(map[string]map[string]*memDoc)}
}

// doc returns the document's record, nil when none. Callers hold mu.
func (m *Memory) doc(collection, id string) *memDoc {
	return m.colls[collection][id]
}

// docForWrite returns the document's record, creating it. Callers hold mu
// for writing.
func (m *Memory) docForWrite(collection, id string) *memDoc {
	c := m.colls[collection]
	if c == nil {
		c = make(map[string]*memDoc)
		m.colls[collection] = c
	}
	d := c[id]
	if d == nil {
		d = &memDoc{snaps: make(map[int64][]byte)}
		c[id] = d
	}
	return d
}

func (d *memDoc) head() int64 {
	if d == nil {
		return 0
	}
	return int64(len(d.ops))
}

// Commit implements session.Store.Commit. A batch is decided and applied
// under one lock: on error nothing of it is written.
func (m *Memory) Commit(ctx context.Context, commits []ot.Commit) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	enc, err := encodeCommits(commits)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	type name struct{ c, id string }
	heads := make(map[name]int64) // heads as earlier commits of this batch leave them
	results := make([]bool, len(enc))
	for i := range enc {
		e := &enc[i]
		n := name{e.collection, e.id}
		h, seen := heads[n]
		if !seen {
			h = m.doc(e.collection, e.id).head()
		}
		ok, err := appendOutcome(e, h)
		if err != nil {
			return nil, err
		}
		if ok {
			heads[n] = h + int64(len(e.ops))
			results[i] = true
		}
	}
	for i := range enc {
		if results[i] {
			m.docForWrite(enc[i].collection, enc[i].id).apply(&enc[i])
		}
	}
	return results, nil
}

// apply appends a decided commit. Callers hold mu for writing.
func (d *memDoc) apply(e *encodedCommit) {
	for j, b := range e.ops {
		ts := e.ts[j]
		if n := len(d.cts); n > 0 && d.cts[n-1] > ts {
			ts = d.cts[n-1]
		}
		d.ops = append(d.ops, b)
		d.cts = append(d.cts, ts)
	}
	if e.snap != nil {
		d.putSnapshot(e.snapVersion, e.snap)
	}
}

func (d *memDoc) putSnapshot(v int64, b []byte) {
	if i, found := slices.BinarySearch(d.snapVers, v); !found {
		d.snapVers = slices.Insert(d.snapVers, i, v)
	}
	d.snaps[v] = b
}

// Ops implements session.Store.Ops.
func (m *Memory) Ops(ctx context.Context, collection, id string, from, to int64) ([]ot.Op, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: ops %q/%q: %w", collection, id, err)
	}
	m.mu.RLock()
	var recs [][]byte
	if d := m.doc(collection, id); d != nil {
		from = max(from, 0)
		end := int64(len(d.ops))
		if to >= 0 && to < end {
			end = to
		}
		if from < end {
			recs = slices.Clone(d.ops[from:end])
		}
	}
	m.mu.RUnlock()
	ops := make([]ot.Op, 0, len(recs))
	for i, b := range recs {
		op, err := decodeOp(b)
		if err != nil {
			return nil, fmt.Errorf("store: op %q/%q v%d: %w", collection, id, from+int64(i), err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// Snapshot implements session.Store.Snapshot.
func (m *Memory) Snapshot(ctx context.Context, collection, id string, atMost int64) (ot.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return ot.Snapshot{}, fmt.Errorf("store: snapshot %q/%q: %w", collection, id, err)
	}
	m.mu.RLock()
	var rec []byte
	var v int64
	if d := m.doc(collection, id); d != nil && len(d.snapVers) > 0 {
		i := len(d.snapVers)
		if atMost >= 0 {
			i = sort.Search(len(d.snapVers), func(i int) bool { return d.snapVers[i] > atMost })
		}
		if i > 0 {
			v = d.snapVers[i-1]
			rec = d.snaps[v]
		}
	}
	m.mu.RUnlock()
	if rec == nil {
		return ot.Snapshot{}, nil
	}
	snap, err := decodeSnapshot(rec)
	if err != nil {
		return ot.Snapshot{}, fmt.Errorf("store: snapshot %q/%q v%d: %w", collection, id, v, err)
	}
	return snap, nil
}

// WriteSnapshot implements session.Store.WriteSnapshot. A snapshot beyond
// the document's head is refused with an error.
func (m *Memory) WriteSnapshot(ctx context.Context, collection, id string, snap ot.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	b, err := checkSnapshot(collection, id, snap)
	if err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if h := m.doc(collection, id).head(); snap.Version > h {
		return fmt.Errorf("store: write snapshot %q/%q v%d: %w: head is v%d", collection, id, snap.Version, ErrInvalid, h)
	}
	m.docForWrite(collection, id).putSnapshot(snap.Version, b)
	return nil
}

// Head implements session.Store.Head.
func (m *Memory) Head(ctx context.Context, collection, id string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: head %q/%q: %w", collection, id, err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.doc(collection, id).head(), nil
}

// VersionAt implements session.Store.VersionAt: the version before the
// first op whose timestamp exceeds ts (see doc.go on clock steps).
func (m *Memory) VersionAt(ctx context.Context, collection, id string, ts int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: version at %q/%q: %w", collection, id, err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	d := m.doc(collection, id)
	if d == nil {
		return 0, nil
	}
	return int64(sort.Search(len(d.cts), func(i int) bool { return d.cts[i] > ts })), nil
}

// List implements session.Store.List.
func (m *Memory) List(ctx context.Context, collection, after string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: list %q: %w", collection, err)
	}
	m.mu.RLock()
	var ids []string
	for id, d := range m.colls[collection] {
		if len(d.ops) > 0 && id > after {
			ids = append(ids, id)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(ids, strings.Compare)
	if limit <= 0 {
		return []string{}, nil
	}
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}
