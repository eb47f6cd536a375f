package storetest

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

// testSnapshotAtMost checks "newest stored snapshot <= atMost".
func testSnapshotAtMost(t *testing.T, s session.Store) {
	ctx := context.Background()
	for _, atMost := range []int64{-1, 0, 5} {
		sameSnapshot(t, fmt.Sprintf("Snapshot(%d) with none stored", atMost), mustSnapshot(t, s, "c", "d", atMost), ot.Snapshot{})
	}
	mustWrite(t, s, commitOf("c", "d", snapAt(1), createOp(0, "a", 1, 1000)))
	for v := int64(1); v < 10; v++ {
		var snap *ot.Snapshot
		if v == 4 {
			snap = snapAt(5)
		}
		mustWrite(t, s, commitOf("c", "d", snap, editOp(v, "a", v+1, 1000+v)))
	}
	for _, v := range []int64{3, 8} {
		if err := s.WriteSnapshot(ctx, "c", "d", *snapAt(v)); err != nil {
			t.Fatalf("WriteSnapshot(v%d): %v", v, err)
		}
	}
	for _, r := range []struct{ atMost, want int64 }{
		{0, 0}, {1, 1}, {2, 1}, {3, 3}, {4, 3}, {5, 5}, {7, 5}, {8, 8}, {9, 8}, {100, 8}, {-1, 8}, {math.MaxInt64, 8},
	} {
		want := ot.Snapshot{}
		if r.want > 0 {
			want = *snapAt(r.want)
		}
		sameSnapshot(t, fmt.Sprintf("Snapshot(%d)", r.atMost), mustSnapshot(t, s, "c", "d", r.atMost), want)
	}
	sameSnapshot(t, "Snapshot of another doc", mustSnapshot(t, s, "c", "d2", -1), ot.Snapshot{})
}

// testWriteSnapshot checks writing older snapshots, overwriting one, a
// deleted document's snapshot, and refusing a version beyond the head.
func testWriteSnapshot(t *testing.T, s session.Store) {
	ctx := context.Background()
	linearHistory(t, s, "c", "d", 10)
	write := func(snap ot.Snapshot) {
		t.Helper()
		if err := s.WriteSnapshot(ctx, "c", "d", snap); err != nil {
			t.Fatalf("WriteSnapshot(v%d): %v", snap.Version, err)
		}
	}
	write(*snapAt(10))
	write(*snapAt(2))
	sameSnapshot(t, "Snapshot(-1) after an older write", mustSnapshot(t, s, "c", "d", -1), *snapAt(10))
	sameSnapshot(t, "Snapshot(9)", mustSnapshot(t, s, "c", "d", 9), *snapAt(2))

	replaced := ot.Snapshot{Version: 2, Type: jsonURI, Data: map[string]any{"replaced": true}, Ts: 7}
	write(replaced)
	sameSnapshot(t, "Snapshot(2) after overwrite", mustSnapshot(t, s, "c", "d", 2), replaced)

	deleted := ot.Snapshot{Version: 6, Ts: 1005}
	write(deleted)
	sameSnapshot(t, "Snapshot(6) of a deleted doc", mustSnapshot(t, s, "c", "d", 6), deleted)

	if err := s.WriteSnapshot(ctx, "c", "d", *snapAt(11)); err == nil {
		t.Errorf("WriteSnapshot(v11) over head 10: no error")
	}
	if err := s.WriteSnapshot(ctx, "c", "never", *snapAt(1)); err == nil {
		t.Errorf("WriteSnapshot(v1) of a never-written doc: no error")
	}
	if err := s.WriteSnapshot(ctx, "c", "d", ot.Snapshot{Version: -1}); err == nil {
		t.Errorf("WriteSnapshot(v-1): no error")
	}
	sameSnapshot(t, "Snapshot(-1) after refused writes", mustSnapshot(t, s, "c", "d", -1), *snapAt(10))
	sameSnapshot(t, "Snapshot of never-written doc", mustSnapshot(t, s, "c", "never", -1), ot.Snapshot{})
}

// testHead checks Head for unknown documents and after commits.
func testHead(t *testing.T, s session.Store) {
	checkHead(t, s, "c", "d", 0)
	linearHistory(t, s, "c", "d", 3)
	checkHead(t, s, "c", "d", 3)
	mustWrite(t, s, commitOf("c", "d", nil, editOp(3, "a", 1, 1), editOp(4, "a", 2, 1)))
	checkHead(t, s, "c", "d", 5)
	checkHead(t, s, "c", "d2", 0)
	checkHead(t, s, "c2", "d", 0)
}

// checkVersionAt checks VersionAt for a table of ts -> version.
func checkVersionAt(t *testing.T, s session.Store, id string, table [][2]int64) {
	t.Helper()
	for _, r := range table {
		got, err := s.VersionAt(context.Background(), "c", id, r[0])
		if err != nil {
			t.Fatalf("VersionAt(%d): %v", r[0], err)
		}
		if got != r[1] {
			t.Errorf("VersionAt(%q, %d) = %d, want %d", id, r[0], got, r[1])
		}
	}
}

// testVersionAt checks VersionAt before the first op, at exact and shared
// timestamps, between them and after the last.
func testVersionAt(t *testing.T, s session.Store) {
	stamps := []int64{1000, 1000, 2000, 3000, 3000, 5000}
	for v, ts := range stamps {
		op := editOp(int64(v), "a", int64(v+1), ts)
		if v == 0 {
			op = createOp(0, "a", 1, ts)
		}
		mustWrite(t, s, commitOf("c", "d", nil, op))
	}
	checkVersionAt(t, s, "d", [][2]int64{
		{math.MinInt64, 0}, {-1, 0}, {0, 0}, {999, 0}, {1000, 2}, {1500, 2}, {2000, 3}, {2999, 3},
		{3000, 5}, {4000, 5}, {4999, 5}, {5000, 6}, {1 << 62, 6}, {math.MaxInt64, 6},
	})
	checkVersionAt(t, s, "unknown", [][2]int64{{0, 0}, {5000, 0}, {math.MaxInt64, 0}})
}

// testVersionAtClockStep pins the rule when a clock steps back: the state
// at ts ends before the first op stamped after ts, so an op stamped 3000
// is not "before 2500" even though a later op is stamped 2000.
func testVersionAtClockStep(t *testing.T, s session.Store) {
	mustWrite(t, s, commitOf("c", "d", nil,
		createOp(0, "a", 1, 1000), editOp(1, "a", 2, 3000), editOp(2, "a", 3, 2000), editOp(3, "a", 4, 4000)))
	checkVersionAt(t, s, "d", [][2]int64{
		{999, 0}, {1000, 1}, {2000, 1}, {2500, 1}, {3000, 3}, {3999, 3}, {4000, 4},
	})
}
