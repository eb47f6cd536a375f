package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

// jsonURI is the type URI the suite's documents use; stores treat it as an
// opaque string.
const jsonURI = "http://sharejs.org/types/JSONv0"

// Run runs the conformance suite as subtests of t. open must return a new,
// empty store for each call and arrange its cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) session.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s session.Store)
	}{
		{"Lifecycle", testLifecycle},
		{"ConditionalAppend", testConditionalAppend},
		{"GapRefused", testGapRefused},
		{"InvalidCommits", testInvalidCommits},
		{"BatchMixed", testBatchMixed},
		{"OpsRanges", testOpsRanges},
		{"SnapshotAtMost", testSnapshotAtMost},
		{"WriteSnapshot", testWriteSnapshot},
		{"Head", testHead},
		{"VersionAt", testVersionAt},
		{"VersionAtClockStep", testVersionAtClockStep},
		{"List", testList},
		{"Unicode", testUnicode},
		{"LargeData", testLargeData},
		{"ConcurrentOneDoc", testConcurrentOneDoc},
		{"ConcurrentManyDocs", testConcurrentManyDocs},
		{"ContextCancelled", testContextCancelled},
		{"NotAliased", testNotAliased},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// createOp returns a create at version v whose data is {"n": n}.
func createOp(v int64, src string, seq, ts int64) ot.Op {
	return ot.Op{Version: v, Src: src, Seq: seq, Ts: ts,
		Create: &ot.Create{Type: jsonURI, Data: map[string]any{"n": float64(v)}}}
}

// editOp returns a json0-shaped edit at version v.
func editOp(v int64, src string, seq, ts int64) ot.Op {
	return ot.Op{Version: v, Src: src, Seq: seq, Ts: ts,
		Edit: []any{map[string]any{"p": []any{"n"}, "na": float64(v)}}}
}

// delOp returns a delete at version v.
func delOp(v int64, src string, seq, ts int64) ot.Op {
	return ot.Op{Version: v, Src: src, Seq: seq, Ts: ts, Del: true}
}

// snapAt returns a snapshot at version v with data {"n": v}.
func snapAt(v int64) *ot.Snapshot {
	return &ot.Snapshot{Version: v, Type: jsonURI, Data: map[string]any{"n": float64(v)}, Ts: 1000 + v}
}

// commitOf builds one document's commit.
func commitOf(collection, id string, snap *ot.Snapshot, ops ...ot.Op) session.Commit {
	return session.Commit{Collection: collection, ID: id, Ops: ops, Snapshot: snap}
}

// mustCommit commits a batch and fails the test on error.
func mustCommit(t *testing.T, s session.Store, commits ...session.Commit) []bool {
	t.Helper()
	got, err := s.Commit(context.Background(), commits)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if len(got) != len(commits) {
		t.Fatalf("Commit returned %d results for %d commits", len(got), len(commits))
	}
	return got
}

// mustWrite commits a batch that must fully succeed.
func mustWrite(t *testing.T, s session.Store, commits ...session.Commit) {
	t.Helper()
	for i, ok := range mustCommit(t, s, commits...) {
		if !ok {
			t.Fatalf("Commit: commit %d (%s/%s) refused, want committed", i, commits[i].Collection, commits[i].ID)
		}
	}
}

// linearHistory commits n ops (a create then edits) to one document, one op
// per commit, op i stamped 1000+i.
func linearHistory(t *testing.T, s session.Store, collection, id string, n int64) []ot.Op {
	t.Helper()
	ops := make([]ot.Op, 0, n)
	for v := range n {
		op := editOp(v, "src", v+1, 1000+v)
		if v == 0 {
			op = createOp(0, "src", 1, 1000)
		}
		mustWrite(t, s, commitOf(collection, id, nil, op))
		ops = append(ops, op)
	}
	return ops
}

func mustOps(t *testing.T, s session.Store, collection, id string, from, to int64) []ot.Op {
	t.Helper()
	ops, err := s.Ops(context.Background(), collection, id, from, to)
	if err != nil {
		t.Fatalf("Ops(%q, %q, %d, %d): %v", collection, id, from, to, err)
	}
	return ops
}

func mustHead(t *testing.T, s session.Store, collection, id string) int64 {
	t.Helper()
	h, err := s.Head(context.Background(), collection, id)
	if err != nil {
		t.Fatalf("Head(%q, %q): %v", collection, id, err)
	}
	return h
}

func mustSnapshot(t *testing.T, s session.Store, collection, id string, atMost int64) ot.Snapshot {
	t.Helper()
	snap, err := s.Snapshot(context.Background(), collection, id, atMost)
	if err != nil {
		t.Fatalf("Snapshot(%q, %q, %d): %v", collection, id, atMost, err)
	}
	return snap
}

// checkHead reports a head other than want.
func checkHead(t *testing.T, s session.Store, collection, id string, want int64) {
	t.Helper()
	if got := mustHead(t, s, collection, id); got != want {
		t.Errorf("Head(%q, %q) = %d, want %d", collection, id, got, want)
	}
}

// sameOps reports every difference between got and want.
func sameOps(t *testing.T, what string, got, want []ot.Op) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d ops %s, want %d ops %s", what, len(got), showOps(got), len(want), showOps(want))
		return
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: op %d = %s, want %s", what, i, showOp(got[i]), showOp(want[i]))
		}
	}
}

// sameSnapshot reports a snapshot other than want.
func sameSnapshot(t *testing.T, what string, got, want ot.Snapshot) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %s, want %s", what, showSnap(got), showSnap(want))
	}
}

func showOp(op ot.Op) string {
	body := fmt.Sprintf("edit=%.200v", op.Edit)
	switch {
	case op.Create != nil:
		body = fmt.Sprintf("create=%s %.200v", op.Create.Type, op.Create.Data)
	case op.Del:
		body = "del"
	}
	return fmt.Sprintf("{v%d %s/%d %s ts=%d}", op.Version, op.Src, op.Seq, body, op.Ts)
}

func showOps(ops []ot.Op) string {
	s := "["
	for i, op := range ops {
		if i == 10 {
			return s + " ...]"
		}
		s += " " + showOp(op)
	}
	return s + " ]"
}

func showSnap(s ot.Snapshot) string {
	return fmt.Sprintf("{v%d type=%q data=%.200v ts=%d}", s.Version, s.Type, s.Data, s.Ts)
}
