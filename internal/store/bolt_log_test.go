package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

// openHeld opens the store at path with the index held back, so what is
// committed stays only in the commit log; Close then leaves the log behind,
// as a crash would.
func openHeld(t *testing.T, path string) *Bolt {
	t.Helper()
	s, err := OpenBolt(path, BoltOptions{LockTimeout: 50 * time.Millisecond, holdIndex: true}, nil)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// heldLog commits n single-op records to c/d (a create, then edits) with
// the index held back, closes the store and returns the log segment's
// path and the end offset of each record.
func heldLog(t *testing.T, path string, n int) (string, []int64) {
	t.Helper()
	s := openHeld(t, path)
	var ends []int64
	for v := range int64(n) {
		op := ot.Op{Version: v, Src: "a", Seq: v + 1, Ts: 1000 + v, Edit: []any{map[string]any{"p": []any{"n"}, "na": 1.0}}}
		if v == 0 {
			op = ot.Op{Version: 0, Src: "a", Seq: 1, Ts: 1000, Create: &ot.Create{Type: testURI, Data: map[string]any{"n": 0.0}}}
		}
		got, err := s.Commit(context.Background(), []session.Commit{{Collection: "c", ID: "d", Ops: []ot.Op{op}}})
		if err != nil || !got[0] {
			t.Fatalf("Commit v%d = %v, %v", v, got, err)
		}
		ends = append(ends, s.wal.size)
	}
	seg := s.wal.path
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return seg, ends
}

// headOf reopens the store at path and returns c/d's head and op count,
// checking the ops are dense.
func headOf(t *testing.T, path string) int64 {
	t.Helper()
	s := mustOpen(t, path)
	ctx := context.Background()
	h, err := s.Head(ctx, "c", "d")
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	ops, err := s.Ops(ctx, "c", "d", 0, -1)
	if err != nil || int64(len(ops)) != h {
		t.Fatalf("Ops = %d ops, %v; want %d", len(ops), err, h)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return h
}

func TestBoltRecoversTheCommitLog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "weft.db")
	s := openHeld(t, path)
	want := writeHistory(t, s)
	if err := s.WriteSnapshot(ctx, "c", "d", ot.Snapshot{Version: 2, Type: testURI, Data: map[string]any{"n": 1.0}, Ts: 1001}); err != nil {
		t.Fatalf("WriteSnapshot: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	segs, err := listWALSegments(path)
	if err != nil || len(segs) != 1 {
		t.Fatalf("segments after a held close = %v, %v; want the one log", segs, err)
	}

	s = mustOpen(t, path)
	ops, err := s.Ops(ctx, "c", "d", 0, -1)
	if err != nil || len(ops) != len(want) || ops[0].Create == nil || ops[2].Seq != 3 {
		t.Fatalf("Ops after recovery = %+v, %v; want the %d ops committed", ops, err, len(want))
	}
	if snap, err := s.Snapshot(ctx, "c", "d", 2); err != nil || snap.Version != 2 || snap.Data.(map[string]any)["n"] != 1.0 {
		t.Errorf("Snapshot(2) after recovery = %+v, %v; want the written v2", snap, err)
	}
	if snap, err := s.Snapshot(ctx, "c", "d", -1); err != nil || snap.Version != 3 {
		t.Errorf("Snapshot after recovery = %+v, %v; want v3 (carried by the commit)", snap, err)
	}
	if v, err := s.VersionAt(ctx, "c", "d", 1001); err != nil || v != 2 {
		t.Errorf("VersionAt(1001) after recovery = %d, %v; want 2", v, err)
	}
	if ids, err := s.List(ctx, "c", "", 10); err != nil || len(ids) != 1 {
		t.Errorf("List after recovery = %q, %v", ids, err)
	}
	segs, err = listWALSegments(path)
	if err != nil || len(segs) != 1 || segs[0].path == walSegmentPath(path, 1) {
		t.Errorf("segments after recovery = %v, %v; want only a fresh one", segs, err)
	}
	// The conditional append continues from the recovered head.
	got, err := s.Commit(ctx, []session.Commit{
		{Collection: "c", ID: "d", Ops: []ot.Op{{Version: 3, Src: "b", Seq: 1, Ts: 2000, Del: true}}},
		{Collection: "c", ID: "d", Ops: []ot.Op{{Version: 2, Src: "b", Seq: 2, Ts: 2000, Del: true}}},
	})
	if err != nil || !got[0] || got[1] {
		t.Errorf("Commit after recovery = %v, %v; want [true false]", got, err)
	}
}

func TestBoltCommitLogDamage(t *testing.T) {
	const n = 5
	for _, tc := range []struct {
		name     string
		damage   func(data []byte, ends []int64) []byte
		wantHead int64  // heads recovered, when the damage is a torn tail
		wantErr  string // else the open error
	}{
		{"intact", func(d []byte, _ []int64) []byte { return d }, n, ""},
		{"last record truncated", func(d []byte, e []int64) []byte { return d[:e[n-1]-3] }, n - 1, ""},
		{"last record header only", func(d []byte, e []int64) []byte { return d[:e[n-2]+walHeader] }, n - 1, ""},
		{"partial header after the last record", func(d []byte, _ []int64) []byte { return append(d, 9, 0, 0) }, n, ""},
		{"bad checksum in the last record", func(d []byte, e []int64) []byte { d[e[n-1]-2] ^= 0x40; return d }, n - 1, ""},
		{"zeros after the last record", func(d []byte, _ []int64) []byte { return append(d, make([]byte, 4096)...) }, n, ""},
		{"last record torn into zeros", func(d []byte, e []int64) []byte {
			clear(d[e[n-2]+3:])
			return d
		}, n - 1, ""},
		{"bad checksum mid-log", func(d []byte, e []int64) []byte { d[e[1]-2] ^= 0x40; return d }, 0, "checksum mismatch"},
		{"bad length mid-log", func(d []byte, e []int64) []byte { d[e[1]] ^= 0x01; return d }, 0, "offset"},
		{"garbage after the last record", func(d []byte, _ []int64) []byte {
			return append(d, bytes.Repeat([]byte{0xff, 0, 0, 0, 1, 2, 3, 4}, 100)...)
		}, 0, "offset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "weft.db")
			seg, ends := heldLog(t, path, n)
			data, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(seg, tc.damage(data, ends), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" {
				_, err := OpenBolt(path, BoltOptions{}, nil)
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), seg) {
					t.Fatalf("OpenBolt of a damaged log: error %v, want one naming %s and %q", err, seg, tc.wantErr)
				}
				if _, serr := os.Stat(seg); serr != nil {
					t.Errorf("the damaged log was not kept for inspection: %v", serr)
				}
				t.Logf("error: %v", err)
				return
			}
			if h := headOf(t, path); h != tc.wantHead {
				t.Fatalf("head after recovery = %d, want %d", h, tc.wantHead)
			}
		})
	}
}

// TestBoltReplaysAlreadyIndexedLog covers a crash after the index took a
// segment's records but before the segment was deleted: replaying it again
// changes nothing.
func TestBoltReplaysAlreadyIndexedLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weft.db")
	seg, _ := heldLog(t, path, 4)
	saved, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if h := headOf(t, path); h != 4 {
		t.Fatalf("head after the first replay = %d, want 4", h)
	}
	if err := os.WriteFile(seg, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	if h := headOf(t, path); h != 4 {
		t.Fatalf("head after replaying an indexed log again = %d, want 4", h)
	}
}

// TestBoltRefusesLogBeyondIndex checks that a log whose ops do not continue
// the index (a lost segment) is an error, not a document with a hole.
func TestBoltRefusesLogBeyondIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weft.db")
	s := mustOpen(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	e := &encodedCommit{collection: "c", id: "d", first: 5, ops: [][]byte{[]byte(`{"v":5,"del":true,"m":{"ts":1}}`)}, ts: []int64{1}}
	rec := appendWALRecord(nil, 1, []*encodedCommit{e})
	if err := os.WriteFile(walSegmentPath(path, 7), rec, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenBolt(path, BoltOptions{}, nil)
	if err == nil || !strings.Contains(err.Error(), "do not continue") || !strings.Contains(err.Error(), `"c"/"d"`) {
		t.Fatalf("OpenBolt with a log beyond the index: error %v", err)
	}
}

// TestBoltLogWriteFailure checks that a failed log write is reported with
// its outcome unknown, that the store then refuses commits instead of
// acknowledging what is not on disk, and that everything acknowledged
// before is recovered at the next open.
func TestBoltLogWriteFailure(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "weft.db")
	s := mustOpen(t, path)
	writeHistory(t, s)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping of a healthy store: %v", err)
	}
	_ = s.wal.f.Close() // the next write fails, as on a dead disk
	_, err := s.Commit(ctx, []session.Commit{{Collection: "c", ID: "d", Ops: []ot.Op{{Version: 3, Del: true}}}})
	if err == nil || !strings.Contains(err.Error(), "outcome unknown") {
		t.Fatalf("Commit with a failed log write: error %v, want outcome unknown", err)
	}
	_, err = s.Commit(ctx, []session.Commit{{Collection: "c", ID: "e", Ops: []ot.Op{{Version: 0, Create: &ot.Create{Type: testURI}}}}})
	if err == nil {
		t.Fatalf("the store accepted a commit after its log failed")
	}
	if err := s.Ping(ctx); err == nil {
		t.Errorf("Ping after a log failure reported a healthy store")
	}
	if err := s.Close(); err == nil {
		t.Errorf("Close after a log failure returned no error")
	}
	if h := headOf(t, path); h != 3 {
		t.Fatalf("head after reopening = %d, want the 3 acknowledged ops", h)
	}
}

// TestBoltReadsWaitForTheIndex checks that a read after Commit returned
// sees the commit even though the index catches up behind the log.
func TestBoltReadsWaitForTheIndex(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, filepath.Join(t.TempDir(), "weft.db"))
	for v := range int64(200) {
		op := ot.Op{Version: v, Del: true}
		if v == 0 {
			op = ot.Op{Version: 0, Create: &ot.Create{Type: testURI}}
		}
		if got, err := s.Commit(ctx, []session.Commit{{Collection: "c", ID: "d", Ops: []ot.Op{op}}}); err != nil || !got[0] {
			t.Fatalf("Commit v%d = %v, %v", v, got, err)
		}
		if h, err := s.Head(ctx, "c", "d"); err != nil || h != v+1 {
			t.Fatalf("Head after committing v%d = %d, %v", v, h, err)
		}
	}
}

func TestBoltReadsOfUnindexedDocumentsWait(t *testing.T) {
	s := openHeld(t, filepath.Join(t.TempDir(), "weft.db"))
	writeHistory(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Head(ctx, "c", "d"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Head of a held document = %v, want the deadline", err)
	}
}

func FuzzScanWAL(f *testing.F) {
	e := &encodedCommit{collection: "c", id: "d", first: 0, ops: [][]byte{[]byte(`{"v":0}`)}, ts: []int64{1}, snap: []byte(`{}`), snapVersion: 1}
	rec := appendWALRecord(nil, 1, []*encodedCommit{e})
	f.Add(rec)
	f.Add(append(rec, rec...))
	f.Add(rec[:len(rec)-1])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		scan, err := scanWAL(data, "fuzz")
		if err != nil {
			return
		}
		for _, r := range scan.records {
			for _, e := range r.entries {
				if len(e.ops) != len(e.ts) || e.first < 0 {
					t.Fatalf("decoded an inconsistent entry %+v", e)
				}
			}
		}
	})
}
