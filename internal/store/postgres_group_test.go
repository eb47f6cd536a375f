package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
	"github.com/weftdev/weft/internal/store"
)

// logOf returns a document's log as "v<version>:<src>/<seq>" strings.
func logOf(t *testing.T, s *store.Postgres, collection, id string) []string {
	t.Helper()
	ops, err := s.Ops(context.Background(), collection, id, 0, -1)
	if err != nil {
		t.Fatalf("Ops %s/%s: %v", collection, id, err)
	}
	var out []string
	for _, op := range ops {
		out = append(out, fmt.Sprintf("v%d:%s/%d", op.Version, op.Src, op.Seq))
	}
	return out
}

// withSnapshot adds to c the snapshot at the version after its op.
func withSnapshot(c session.Commit, data map[string]any) session.Commit {
	c.Snapshot = &ot.Snapshot{Version: c.Ops[0].Version + 1, Type: "http://sharejs.org/types/JSONv0", Data: data, Ts: c.Ops[0].Ts}
	return c
}

// TestPostgresGroupPartialLoss has a second instance commit one group in
// which some documents lost their race to the first instance and others
// are free: each commit is reported on its own (taken: false, rebased or
// free: true, duplicate: false), the winners' ops, snapshots and heads are
// written, and nothing is written for the losers.
func TestPostgresGroupPartialLoss(t *testing.T) {
	dsn := freshSchema(t)
	a, b := openPostgresAt(t, dsn), openPostgresAt(t, dsn)
	ctx := context.Background()
	// Instance a takes v0 of "taken", "rebased" and "dup", and v1 of "dup".
	mustCommitPG(t, a, []bool{true, true, true},
		createCommit("c", "taken", 0, "a", 1), createCommit("c", "rebased", 0, "a", 2), createCommit("c", "dup", 0, "a", 3))
	mustCommitPG(t, a, []bool{true}, createCommit("c", "dup", 1, "b", 7))

	// Instance b, which has not seen those, commits one group.
	rebased := createCommit("c", "rebased", 0, "b", 2)
	var missed []string
	rebased.Rebase = func(ops []ot.Op) (session.Commit, bool) {
		for _, op := range ops {
			missed = append(missed, fmt.Sprintf("v%d:%s/%d", op.Version, op.Src, op.Seq))
		}
		return withSnapshot(createCommit("c", "rebased", 1, "b", 2), map[string]any{"n": 1.0}), true
	}
	got, err := b.Commit(ctx, []session.Commit{
		withSnapshot(createCommit("c", "taken", 0, "b", 1), map[string]any{"lost": true}), // v0 is a's
		withSnapshot(createCommit("c", "fresh", 0, "b", 3), map[string]any{"fresh": true}),
		rebased,
		createCommit("c", "dup", 2, "b", 7), // (b, 7) is already in dup's log
		createCommit("c", "fresh2", 0, "b", 4),
		createCommit("c", "fresh2", 1, "b", 5),
	})
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if want := []bool{false, true, true, false, true, true}; !slices.Equal(got, want) {
		t.Errorf("Commit = %v, want %v", got, want)
	}
	if want := "[v0:a/2]"; fmt.Sprint(missed) != want {
		t.Errorf("Rebase was given %v, want %s", missed, want)
	}
	for _, c := range []struct {
		id   string
		log  string
		head int64
	}{
		{"taken", "[v0:a/1]", 1},
		{"fresh", "[v0:b/3]", 1},
		{"rebased", "[v0:a/2 v1:b/2]", 2},
		{"dup", "[v0:a/3 v1:b/7]", 2},
		{"fresh2", "[v0:b/4 v1:b/5]", 2},
	} {
		if l := fmt.Sprint(logOf(t, a, "c", c.id)); l != c.log {
			t.Errorf("log of %s = %s, want %s", c.id, l, c.log)
		}
		if h, err := a.Head(ctx, "c", c.id); err != nil || h != c.head {
			t.Errorf("Head of %s = %d, %v; want %d", c.id, h, err, c.head)
		}
	}
	// The lost commit's snapshot was not written; the winners' were.
	if snap, err := a.Snapshot(ctx, "c", "taken", -1); err != nil || snap.Version != 0 {
		t.Errorf("Snapshot of taken = v%d, %v; want none (v0)", snap.Version, err)
	}
	for id, v := range map[string]int64{"fresh": 1, "rebased": 2} {
		if snap, err := a.Snapshot(ctx, "c", id, -1); err != nil || snap.Version != v {
			t.Errorf("Snapshot of %s = v%d, %v; want v%d", id, snap.Version, err, v)
		}
	}

	// A group in which every commit loses writes nothing at all.
	mustCommitPG(t, b, []bool{false, false}, createCommit("c", "taken", 0, "x", 1), createCommit("c", "fresh", 0, "x", 2))
	if l := fmt.Sprint(logOf(t, a, "c", "taken")); l != "[v0:a/1]" {
		t.Errorf("log of taken after an all-lost group = %s", l)
	}
	// A gap anywhere refuses the whole group: the free document is not written.
	_, err = b.Commit(ctx, []session.Commit{createCommit("c", "fresh3", 0, "x", 3), createCommit("c", "taken", 5, "x", 4)})
	if !errors.Is(err, store.ErrVersionGap) {
		t.Errorf("group with a gap: error %v, want one wrapping ErrVersionGap", err)
	}
	if h, err := a.Head(ctx, "c", "fresh3"); err != nil || h != 0 {
		t.Errorf("Head of fresh3 after a refused group = %d, %v; want 0", h, err)
	}
}

// TestPostgresTwoStoresGroups has two instances commit groups over the same
// documents concurrently, in opposite orders, each at the heads it last
// read: every version of every document is won exactly once, the batches
// never fail (the head rows are locked in one order), and each log holds
// exactly the ops reported won.
func TestPostgresTwoStoresGroups(t *testing.T) {
	dsn := freshSchema(t)
	stores := []*store.Postgres{openPostgresAt(t, dsn), openPostgresAt(t, dsn)}
	const docs, rounds = 8, 25
	ids := make([]string, docs)
	for i := range ids {
		ids[i] = fmt.Sprintf("d%d", i)
	}
	var wg sync.WaitGroup
	won := make([][]int, len(stores)) // per store, per document
	errs := make([]error, len(stores))
	for si, s := range stores {
		won[si] = make([]int, docs)
		wg.Go(func() {
			ctx := context.Background()
			heads := make([]int64, docs)
			seq := int64(0)
			for range rounds {
				order := slices.Clone(ids)
				if si == 1 {
					slices.Reverse(order)
				}
				commits := make([]session.Commit, docs)
				for k, id := range order {
					d := slices.Index(ids, id)
					seq++
					commits[k] = createCommit("c", id, heads[d], fmt.Sprint("s", si), seq)
				}
				got, err := s.Commit(ctx, commits)
				if err != nil {
					errs[si] = err
					return
				}
				for k, id := range order {
					d := slices.Index(ids, id)
					if got[k] {
						won[si][d]++
						heads[d]++
						continue
					}
					if heads[d], err = s.Head(ctx, "c", id); err != nil {
						errs[si] = err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
	}
	total := 0
	for d, id := range ids {
		ops, err := stores[0].Ops(context.Background(), "c", id, 0, -1)
		if err != nil {
			t.Fatalf("Ops %s: %v", id, err)
		}
		perSrc := map[string]int{}
		for _, op := range ops {
			perSrc[op.Src]++
		}
		if len(ops) != won[0][d]+won[1][d] || perSrc["s0"] != won[0][d] || perSrc["s1"] != won[1][d] {
			t.Errorf("%s: %d ops stored (by source %v), wins s0=%d s1=%d", id, len(ops), perSrc, won[0][d], won[1][d])
		}
		total += len(ops)
	}
	// Every round, each document is won by at least one of the two.
	if total < rounds*docs {
		t.Errorf("%d ops stored over %d documents and %d rounds, want at least %d", total, docs, rounds, rounds*docs)
	}
}
