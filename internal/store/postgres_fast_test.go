package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
	"github.com/weftdev/weft/internal/store"
)

// TestPostgresOneRoundTrip follows the one-round-trip commit: a store
// commits in one round trip at the head it last locked or wrote; when
// another store moved the head meanwhile, nothing of that document is
// written in that round trip and the commit is decided under the locks
// (lost, or rebased); a duplicate (src, seq) is still refused; and every
// log, head, snapshot and timestamp index ends as the two-round-trip commit
// leaves them.
func TestPostgresOneRoundTrip(t *testing.T) {
	dsn := freshSchema(t)
	a, b := openPostgresAt(t, dsn), openPostgresAt(t, dsn)
	ctx := context.Background()
	var now atomic.Int64 // the clock of a, in seconds
	store.SetClock(a, func() time.Time { return time.Unix(now.Load(), 0) })
	later := func() { now.Add(int64(store.MovedBackoff/time.Second) + 1) }
	fast := func(want int64) {
		t.Helper()
		if got := store.FastCommits(a); got != want {
			t.Errorf("one-round-trip batches = %d, want %d", got, want)
		}
	}
	// The create locks (the head is unknown); the next ops go in one round trip.
	mustCommitPG(t, a, []bool{true}, createCommit("c", "d", 0, "a", 1))
	fast(0)
	mustCommitPG(t, a, []bool{true}, createCommit("c", "d", 1, "a", 2))
	mustCommitPG(t, a, []bool{true}, withSnapshot(createCommit("c", "d", 2, "a", 3), map[string]any{"n": 2.0}))
	fast(2)
	if snap, err := a.Snapshot(ctx, "c", "d", -1); err != nil || snap.Version != 3 {
		t.Errorf("Snapshot = v%d, %v; want v3", snap.Version, err)
	}
	// Timestamps are 1000 + version: the running maximum ends at v2.
	if v, err := a.VersionAt(ctx, "c", "d", 1001); err != nil || v != 2 {
		t.Errorf("VersionAt(1001) = %d, %v; want 2", v, err)
	}

	// b moves the head; a's commit at the head it knows writes nothing in
	// its round trip and loses under the locks.
	mustCommitPG(t, b, []bool{true}, createCommit("c", "d", 3, "b", 1))
	mustCommitPG(t, a, []bool{false}, createCommit("c", "d", 3, "a", 4))
	fast(2)
	// Once the head moved, commits lock until MovedBackoff has passed.
	mustCommitPG(t, a, []bool{true}, createCommit("c", "d", 4, "a", 4))
	fast(2)
	later()
	mustCommitPG(t, a, []bool{true}, createCommit("c", "d", 5, "a", 5))
	fast(3)

	// A commit that rebases: b moves the head, a's commit is rebased
	// under the locks after its round trip wrote nothing.
	mustCommitPG(t, b, []bool{true}, createCommit("c", "d", 6, "b", 2))
	rebased := createCommit("c", "d", 6, "a", 6)
	var missed []string
	rebased.Rebase = func(ops []ot.Op) (session.Commit, bool) {
		for _, op := range ops {
			missed = append(missed, fmt.Sprintf("v%d:%s/%d", op.Version, op.Src, op.Seq))
		}
		return createCommit("c", "d", 7, "a", 6), true
	}
	mustCommitPG(t, a, []bool{true}, rebased)
	if fmt.Sprint(missed) != "[v6:b/2]" {
		t.Errorf("Rebase given %v, want [v6:b/2]", missed)
	}
	fast(3)

	// After the backoff, a moved head costs one round trip for nothing,
	// then the locks, and the backoff starts again.
	later()
	mustCommitPG(t, b, []bool{true}, createCommit("c", "d", 8, "b", 3))
	mustCommitPG(t, a, []bool{false}, createCommit("c", "d", 8, "a", 7))
	mustCommitPG(t, a, []bool{true}, createCommit("c", "d", 9, "a", 7))
	fast(3)

	// A group in which one document moved: the other is written in the
	// round trip, the moved one reported lost.
	later()
	mustCommitPG(t, a, []bool{true, true}, createCommit("c", "x", 0, "a", 1), createCommit("c", "y", 0, "a", 1))
	mustCommitPG(t, a, []bool{true, true}, createCommit("c", "x", 1, "a", 2), createCommit("c", "y", 1, "a", 2))
	before := store.FastCommits(a)
	mustCommitPG(t, b, []bool{true}, createCommit("c", "x", 2, "b", 1))
	mustCommitPG(t, a, []bool{false, true}, createCommit("c", "x", 2, "a", 3), createCommit("c", "y", 2, "a", 3))
	fast(before + 1)

	// A resubmitted op at the head: refused in the round trip, decided
	// under the locks as a duplicate, nothing written.
	mustCommitPG(t, a, []bool{true}, createCommit("c", "y", 3, "a", 4))
	mustCommitPG(t, a, []bool{false}, createCommit("c", "y", 4, "a", 4))

	for _, c := range []struct{ id, log string }{
		{"d", "[v0:a/1 v1:a/2 v2:a/3 v3:b/1 v4:a/4 v5:a/5 v6:b/2 v7:a/6 v8:b/3 v9:a/7]"},
		{"x", "[v0:a/1 v1:a/2 v2:b/1]"},
		{"y", "[v0:a/1 v1:a/2 v2:a/3 v3:a/4]"},
	} {
		if l := fmt.Sprint(logOf(t, b, "c", c.id)); l != c.log {
			t.Errorf("log of %s = %s, want %s", c.id, l, c.log)
		}
	}
	if h, err := b.Head(ctx, "c", "d"); err != nil || h != 10 {
		t.Errorf("Head of d = %d, %v; want 10", h, err)
	}
	if v, err := b.VersionAt(ctx, "c", "d", 1006); err != nil || v != 7 {
		t.Errorf("VersionAt(1006) = %d, %v; want 7", v, err)
	}
}
