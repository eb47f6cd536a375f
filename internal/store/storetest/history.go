package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

// testLifecycle writes create, edits, delete and re-create in several
// commits and reads the whole history back.
func testLifecycle(t *testing.T, s session.Store) {
	ops := []ot.Op{
		createOp(0, "alice", 1, 1000),
		editOp(1, "alice", 2, 1001),
		editOp(2, "bob", 1, 1002),
		delOp(3, "bob", 2, 1003),
		createOp(4, "carol", 7, 1004),
		editOp(5, "", 0, 1005),
	}
	deleted := &ot.Snapshot{Version: 4, Ts: 1003}
	mustWrite(t, s, commitOf("docs", "d", snapAt(1), ops[0]))
	mustWrite(t, s, commitOf("docs", "d", nil, ops[1], ops[2]))
	mustWrite(t, s, commitOf("docs", "d", deleted, ops[3]))
	mustWrite(t, s, commitOf("docs", "d", snapAt(6), ops[4], ops[5]))

	checkHead(t, s, "docs", "d", 6)
	sameOps(t, "Ops(0, -1)", mustOps(t, s, "docs", "d", 0, -1), ops)
	sameSnapshot(t, "Snapshot(-1)", mustSnapshot(t, s, "docs", "d", -1), *snapAt(6))
	sameSnapshot(t, "Snapshot(5)", mustSnapshot(t, s, "docs", "d", 5), *deleted)
	sameSnapshot(t, "Snapshot(3)", mustSnapshot(t, s, "docs", "d", 3), *snapAt(1))
}

// testConditionalAppend checks that a taken version reports false and
// writes nothing of the refused commit, not even its later ops or snapshot.
func testConditionalAppend(t *testing.T, s session.Store) {
	first := createOp(0, "a", 1, 1000)
	mustWrite(t, s, commitOf("c", "d", snapAt(1), first))

	loser := createOp(0, "b", 1, 2000)
	if got := mustCommit(t, s, commitOf("c", "d", snapAt(1), loser)); got[0] {
		t.Errorf("Commit of taken v0 = true, want false")
	}
	// Two ops starting at a taken version: neither may be written.
	if got := mustCommit(t, s, commitOf("c", "d", snapAt(2), editOp(0, "b", 2, 2001), editOp(1, "b", 3, 2002))); got[0] {
		t.Errorf("Commit of ops v0-v1 over head 1 = true, want false")
	}
	checkHead(t, s, "c", "d", 1)
	sameOps(t, "Ops after refused commits", mustOps(t, s, "c", "d", 0, -1), []ot.Op{first})
	sameSnapshot(t, "Snapshot after refused commits", mustSnapshot(t, s, "c", "d", -1), *snapAt(1))

	winner := editOp(1, "b", 1, 3000)
	mustWrite(t, s, commitOf("c", "d", nil, winner))
	if got := mustCommit(t, s, commitOf("c", "d", snapAt(2), editOp(1, "c", 1, 3001))); got[0] {
		t.Errorf("Commit of taken v1 = true, want false")
	}
	sameOps(t, "Ops(1, -1)", mustOps(t, s, "c", "d", 1, -1), []ot.Op{winner})
	sameSnapshot(t, "Snapshot of refused commit", mustSnapshot(t, s, "c", "d", -1), *snapAt(1))
}

// testGapRefused checks that a first version beyond the head is an error and
// that the batch carrying it writes nothing, even for other documents.
func testGapRefused(t *testing.T, s session.Store) {
	ctx := context.Background()
	mustWrite(t, s, commitOf("c", "d", nil, createOp(0, "a", 1, 1000)))
	if _, err := s.Commit(ctx, []session.Commit{commitOf("c", "d", nil, editOp(3, "a", 2, 1001))}); err == nil {
		t.Errorf("Commit at v3 over head 1: no error, want a gap error")
	}
	batch := []session.Commit{
		commitOf("c", "other", snapAt(1), createOp(0, "a", 1, 1000)),
		commitOf("c", "d", nil, editOp(2, "a", 2, 1001)),
	}
	if _, err := s.Commit(ctx, batch); err == nil {
		t.Errorf("Commit of a batch with a gap: no error")
	}
	checkHead(t, s, "c", "d", 1)
	checkHead(t, s, "c", "other", 0)
	sameSnapshot(t, "Snapshot of a doc in a refused batch", mustSnapshot(t, s, "c", "other", -1), ot.Snapshot{})
}

// testInvalidCommits checks that malformed commits are errors that write
// nothing of their batch.
func testInvalidCommits(t *testing.T, s session.Store) {
	ok := commitOf("c", "fine", nil, createOp(0, "a", 1, 1000))
	twoKinds := createOp(0, "a", 1, 1000)
	twoKinds.Del = true
	noType := createOp(0, "a", 1, 1000)
	noType.Create.Type = ""
	bad := map[string]session.Commit{
		"no ops":              commitOf("c", "d", nil),
		"gap between ops":     commitOf("c", "d", nil, createOp(0, "a", 1, 1000), editOp(2, "a", 2, 1000)),
		"decreasing versions": commitOf("c", "d", nil, createOp(1, "a", 1, 1000), editOp(0, "a", 2, 1000)),
		"negative version":    commitOf("c", "d", nil, editOp(-1, "a", 1, 1000)),
		"op of no kind":       commitOf("c", "d", nil, ot.Op{Version: 0, Src: "a", Seq: 1}),
		"op of two kinds":     commitOf("c", "d", nil, twoKinds),
		"create without type": commitOf("c", "d", nil, noType),
		"snapshot too old":    commitOf("c", "d", snapAt(0), createOp(0, "a", 1, 1000)),
		"snapshot too new":    commitOf("c", "d", snapAt(2), createOp(0, "a", 1, 1000)),
		"empty id":            commitOf("c", "", nil, createOp(0, "a", 1, 1000)),
		"empty collection":    commitOf("", "d", nil, createOp(0, "a", 1, 1000)),
	}
	for name, c := range bad {
		if _, err := s.Commit(context.Background(), []session.Commit{ok, c}); err == nil {
			t.Errorf("Commit with %s: no error", name)
		}
	}
	checkHead(t, s, "c", "fine", 0)
	checkHead(t, s, "c", "d", 0)
	if got := mustCommit(t, s); len(got) != 0 {
		t.Errorf("Commit of an empty batch = %v, want no results", got)
	}
}

// testBatchMixed checks per-commit outcomes in one batch, including two
// commits to the same document.
func testBatchMixed(t *testing.T, s session.Store) {
	mustWrite(t, s, commitOf("c", "b", nil, createOp(0, "x", 1, 1000)))
	batch := []session.Commit{
		commitOf("c", "a", nil, createOp(0, "p", 1, 1000)),
		commitOf("c", "b", snapAt(1), createOp(0, "p", 2, 1000)),
		commitOf("c", "c", nil, createOp(0, "p", 3, 1000)),
		commitOf("c", "a", snapAt(2), editOp(1, "p", 4, 1001)),
		commitOf("c", "c", nil, createOp(0, "p", 5, 1001)),
		commitOf("c2", "a", nil, createOp(0, "p", 6, 1000)),
	}
	got := mustCommit(t, s, batch...)
	want := []bool{true, false, true, true, false, true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Commit results = %v, want %v", got, want)
	}
	for _, h := range []struct {
		c, id string
		v     int64
	}{{"c", "a", 2}, {"c", "b", 1}, {"c", "c", 1}, {"c2", "a", 1}} {
		checkHead(t, s, h.c, h.id, h.v)
	}
	sameOps(t, "Ops of c/a", mustOps(t, s, "c", "a", 0, -1), []ot.Op{batch[0].Ops[0], batch[3].Ops[0]})
	sameOps(t, "Ops of c/c", mustOps(t, s, "c", "c", 0, -1), batch[2].Ops)
	sameOps(t, "Ops of c/b", mustOps(t, s, "c", "b", 0, -1), []ot.Op{createOp(0, "x", 1, 1000)})
	sameSnapshot(t, "Snapshot of c/a", mustSnapshot(t, s, "c", "a", -1), *snapAt(2))
	sameSnapshot(t, "Snapshot of c/b", mustSnapshot(t, s, "c", "b", -1), ot.Snapshot{})
}

// testOpsRanges checks Ops's half-open bounds.
func testOpsRanges(t *testing.T, s session.Store) {
	all := linearHistory(t, s, "c", "d", 10)
	for _, r := range []struct {
		from, to int64
		want     []ot.Op
	}{
		{0, -1, all}, {0, 10, all}, {0, 100, all}, {3, 7, all[3:7]}, {3, 4, all[3:4]},
		{3, 3, nil}, {5, 2, nil}, {8, 100, all[8:]}, {9, -7, all[9:]}, {10, -1, nil},
		{12, -1, nil}, {-5, 2, all[:2]}, {0, 0, nil},
	} {
		sameOps(t, fmt.Sprintf("Ops(%d, %d)", r.from, r.to), mustOps(t, s, "c", "d", r.from, r.to), r.want)
	}
	sameOps(t, "Ops of an unknown doc", mustOps(t, s, "c", "nope", 0, -1), nil)
	sameOps(t, "Ops of an unknown collection", mustOps(t, s, "nope", "d", 0, -1), nil)
}
