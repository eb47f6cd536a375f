package session

import (
	"context"
	"errors"
	"sort"
	"sync"

	"github.com/weftdev/weft/internal/ot"
)

// memStore is a map-based Store honouring deps.go's contract, including the
// conditional append. It copies values in and out through JSON.
type memStore struct {
	mu        sync.Mutex
	docs      map[docKey]*memDoc
	commits   int           // Commit calls
	sizes     []int         // commits per Commit call
	opsPer    [][]int       // ops per commit, per Commit call
	gate      chan struct{} // when set, Commit signals entered and waits on gate
	entered   chan struct{}
	down      bool // when set, Commit, Ops, Snapshot and Head fail (a store outage)
	snapReads int  // Snapshot calls
	opsReads  int  // Ops calls
	rebases   bool // Commit honours Commit.Rebase, as the Postgres store does
}

var errStoreDown = errors.New("store unreachable")

func (s *memStore) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

func (s *memStore) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

type memDoc struct {
	ops   []ot.Op
	snaps []ot.Snapshot
}

func newMemStore() *memStore { return &memStore{docs: make(map[docKey]*memDoc)} }

func copyTree(v any) any {
	if v == nil {
		return nil
	}
	b, err := ot.Marshal(v)
	if err != nil {
		panic(err)
	}
	t, err := ot.Decode(b)
	if err != nil {
		panic(err)
	}
	return t
}

func copyOp(op ot.Op) ot.Op {
	if op.Create != nil {
		op.Create = &ot.Create{Type: op.Create.Type, Data: copyTree(op.Create.Data)}
	}
	op.Edit = copyTree(op.Edit)
	return op
}

func (s *memStore) doc(c, id string) *memDoc {
	d := s.docs[docKey{c, id}]
	if d == nil {
		d = &memDoc{}
		s.docs[docKey{c, id}] = d
	}
	return d
}

func (s *memStore) Commit(ctx context.Context, commits []Commit) ([]bool, error) {
	if s.isDown() {
		return nil, errStoreDown
	}
	s.mu.Lock()
	gate, entered := s.gate, s.entered
	s.mu.Unlock()
	if gate != nil {
		entered <- struct{}{}
		<-gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	s.sizes = append(s.sizes, len(commits))
	per := make([]int, len(commits))
	for i, cm := range commits {
		per[i] = len(cm.Ops)
	}
	s.opsPer = append(s.opsPer, per)
	out := make([]bool, len(commits))
	for i, cm := range commits {
		d := s.doc(cm.Collection, cm.ID)
		ok := len(cm.Ops) > 0
		for j, op := range cm.Ops {
			if op.Version != int64(len(d.ops)+j) {
				ok = false
			}
		}
		if !ok && s.rebases && cm.Rebase != nil && len(cm.Ops) > 0 && cm.Ops[0].Version < int64(len(d.ops)) {
			var missed []ot.Op
			for _, op := range d.ops[cm.Ops[0].Version:] {
				missed = append(missed, copyOp(op))
			}
			s.mu.Unlock() // Rebase runs on the document's goroutine
			next, rok := cm.Rebase(missed)
			s.mu.Lock()
			if rok && len(next.Ops) > 0 && next.Ops[0].Version == int64(len(d.ops)) {
				cm, ok = next, true
			}
		}
		if !ok {
			continue
		}
		for _, op := range cm.Ops {
			d.ops = append(d.ops, copyOp(op))
		}
		if cm.Snapshot != nil {
			sn := *cm.Snapshot
			sn.Data = copyTree(sn.Data)
			d.snaps = append(d.snaps, sn)
		}
		out[i] = true
	}
	return out, nil
}

func (s *memStore) Ops(ctx context.Context, c, id string, from, to int64) ([]ot.Op, error) {
	if s.isDown() {
		return nil, errStoreDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opsReads++
	d := s.doc(c, id)
	n := int64(len(d.ops))
	if to < 0 || to > n {
		to = n
	}
	var out []ot.Op
	for v := from; v < to; v++ {
		out = append(out, copyOp(d.ops[v]))
	}
	return out, nil
}

func (s *memStore) Snapshot(ctx context.Context, c, id string, atMost int64) (ot.Snapshot, error) {
	if s.isDown() {
		return ot.Snapshot{}, errStoreDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapReads++
	best := ot.Snapshot{}
	for _, sn := range s.doc(c, id).snaps {
		if (atMost < 0 || sn.Version <= atMost) && sn.Version >= best.Version {
			best = sn
		}
	}
	best.Data = copyTree(best.Data)
	return best, nil
}

func (s *memStore) WriteSnapshot(ctx context.Context, c, id string, snap ot.Snapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap.Data = copyTree(snap.Data)
	d := s.doc(c, id)
	d.snaps = append(d.snaps, snap)
	return nil
}

func (s *memStore) Head(ctx context.Context, c, id string) (int64, error) {
	if s.isDown() {
		return 0, errStoreDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.doc(c, id).ops)), nil
}

func (s *memStore) VersionAt(ctx context.Context, c, id string, ts int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, op := range s.doc(c, id).ops {
		if op.Ts <= ts {
			n++
		}
	}
	return n, nil
}

func (s *memStore) List(ctx context.Context, c, after string, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for k, d := range s.docs {
		if k.c == c && k.id > after && len(d.ops) > 0 {
			ids = append(ids, k.id)
		}
	}
	sort.Strings(ids)
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

// opsOf returns a copy of the stored log.
func (s *memStore) opsOf(c, id string) []ot.Op {
	ops, _ := s.Ops(context.Background(), c, id, 0, -1)
	return ops
}
