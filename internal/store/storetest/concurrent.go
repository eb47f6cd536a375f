package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

// Sizes of the concurrency tests: modest, so they stay quick on a durable
// store that fsyncs every commit.
const (
	writers      = 8
	opsPerWriter = 10
)

// testConcurrentOneDoc races writers on one document: each reads the head
// and tries to append there until it has committed its ops. Exactly one
// writer must win each version, the log must be dense, and no op may be
// lost or duplicated.
func testConcurrentOneDoc(t *testing.T, s session.Store) {
	var mu sync.Mutex
	winners := make(map[int64]string) // version -> "src/seq"; guarded by mu
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			src := fmt.Sprintf("w%d", w)
			for seq := int64(1); seq <= opsPerWriter; {
				won, v, err := tryAppend(s, src, seq)
				if err != nil {
					errs <- err
					return
				}
				if !won {
					continue
				}
				mu.Lock()
				if prev, dup := winners[v]; dup {
					errs <- fmt.Errorf("v%d won by %s and by %s/%d", v, prev, src, seq)
				}
				winners[v] = fmt.Sprintf("%s/%d", src, seq)
				mu.Unlock()
				seq++
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := int64(writers * opsPerWriter)
	checkHead(t, s, "c", "hot", total)
	ops := mustOps(t, s, "c", "hot", 0, -1)
	if int64(len(ops)) != total {
		t.Fatalf("Ops: %d ops, want %d", len(ops), total)
	}
	seen := make(map[string]bool)
	for i, op := range ops {
		key := fmt.Sprintf("%s/%d", op.Src, op.Seq)
		if op.Version != int64(i) || seen[key] || winners[op.Version] != key {
			t.Errorf("op %d = v%d %s (seen before: %v), want v%d by winner %s", i, op.Version, key, seen[key], i, winners[int64(i)])
		}
		seen[key] = true
	}
}

// tryAppend reads the head of c/hot and tries to commit one op there.
func tryAppend(s session.Store, src string, seq int64) (bool, int64, error) {
	ctx := context.Background()
	v, err := s.Head(ctx, "c", "hot")
	if err != nil {
		return false, 0, err
	}
	op := editOp(v, src, seq, 1000+v)
	if v == 0 {
		op = createOp(0, src, seq, 1000)
	}
	got, err := s.Commit(ctx, []session.Commit{commitOf("c", "hot", nil, op)})
	if err != nil {
		return false, 0, err
	}
	return got[0], v, nil
}

// testConcurrentManyDocs has writers commit batches spanning two documents
// each, all concurrently; every op of every document must be there.
func testConcurrentManyDocs(t *testing.T, s session.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			a, b := fmt.Sprintf("a%d", w), fmt.Sprintf("b%d", w)
			for v := range int64(opsPerWriter) {
				op := editOp(v, a, v+1, 1000+v)
				if v == 0 {
					op = createOp(0, a, 1, 1000)
				}
				got, err := s.Commit(context.Background(), []session.Commit{
					commitOf("c", a, nil, op), commitOf("c", b, snapAt(v+1), op),
				})
				if err != nil || !got[0] || !got[1] {
					errs <- fmt.Errorf("writer %d v%d: Commit = %v, %v; want both committed", w, v, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range writers {
		for _, id := range []string{fmt.Sprintf("a%d", w), fmt.Sprintf("b%d", w)} {
			checkHead(t, s, "c", id, opsPerWriter)
			if ops := mustOps(t, s, "c", id, 0, -1); len(ops) != opsPerWriter {
				t.Errorf("Ops(%s): %d ops, want %d", id, len(ops), opsPerWriter)
			}
		}
		sameSnapshot(t, "Snapshot", mustSnapshot(t, s, "c", fmt.Sprintf("b%d", w), -1), *snapAt(opsPerWriter))
	}
	if ids := mustList(t, s, "c", "", 100); len(ids) != 2*writers {
		t.Errorf("List: %d ids, want %d", len(ids), 2*writers)
	}
}

// testContextCancelled checks that every method fails on a cancelled
// context and that a cancelled Commit writes nothing.
func testContextCancelled(t *testing.T, s session.Store) {
	linearHistory(t, s, "c", "d", 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"Commit": func() error {
			_, err := s.Commit(ctx, []session.Commit{commitOf("c", "d", nil, editOp(2, "a", 9, 1))})
			return err
		},
		"Ops":           func() error { _, err := s.Ops(ctx, "c", "d", 0, -1); return err },
		"Snapshot":      func() error { _, err := s.Snapshot(ctx, "c", "d", -1); return err },
		"WriteSnapshot": func() error { return s.WriteSnapshot(ctx, "c", "d", *snapAt(2)) },
		"Head":          func() error { _, err := s.Head(ctx, "c", "d"); return err },
		"VersionAt":     func() error { _, err := s.VersionAt(ctx, "c", "d", 5000); return err },
		"List":          func() error { _, err := s.List(ctx, "c", "", 10); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: error %v, want one wrapping context.Canceled", name, err)
		}
	}
	checkHead(t, s, "c", "d", 2)
	sameSnapshot(t, "Snapshot after cancelled WriteSnapshot", mustSnapshot(t, s, "c", "d", -1), ot.Snapshot{})
}
