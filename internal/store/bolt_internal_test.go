package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

const testURI = "http://sharejs.org/types/JSONv0"

// mustOpen opens the store file at path, closed at cleanup.
func mustOpen(t *testing.T, path string) *Bolt {
	t.Helper()
	s, err := OpenBolt(path, BoltOptions{LockTimeout: 50 * time.Millisecond}, nil)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// writeHistory commits c/d: create, edit, edit (ts 1000..1002) with
// snapshots at v1 and v3.
func writeHistory(t *testing.T, s *Bolt) []ot.Op {
	t.Helper()
	ops := []ot.Op{
		{Version: 0, Src: "a", Seq: 1, Ts: 1000, Create: &ot.Create{Type: testURI, Data: map[string]any{"n": 0.0}}},
		{Version: 1, Src: "a", Seq: 2, Ts: 1001, Edit: []any{map[string]any{"p": []any{"n"}, "na": 1.0}}},
		{Version: 2, Src: "a", Seq: 3, Ts: 1002, Edit: []any{map[string]any{"p": []any{"n"}, "na": 2.0}}},
	}
	snaps := []*ot.Snapshot{
		{Version: 1, Type: testURI, Data: map[string]any{"n": 0.0}, Ts: 1000},
		nil,
		{Version: 3, Type: testURI, Data: map[string]any{"n": 3.0}, Ts: 1002},
	}
	for i, op := range ops {
		got, err := s.Commit(context.Background(), []session.Commit{{Collection: "c", ID: "d", Ops: []ot.Op{op}, Snapshot: snaps[i]}})
		if err != nil || !got[0] {
			t.Fatalf("Commit v%d = %v, %v", op.Version, got, err)
		}
	}
	return ops
}

func TestBoltSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "weft.db")
	s := mustOpen(t, path)
	want := writeHistory(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = mustOpen(t, path)
	ops, err := s.Ops(ctx, "c", "d", 0, -1)
	if err != nil || len(ops) != len(want) || ops[2].Seq != 3 || ops[0].Create == nil {
		t.Errorf("Ops after reopen = %v, %v; want the %d ops written", ops, err, len(want))
	}
	snap, err := s.Snapshot(ctx, "c", "d", -1)
	if err != nil || snap.Version != 3 || snap.Data.(map[string]any)["n"] != 3.0 {
		t.Errorf("Snapshot after reopen = %+v, %v; want v3 {n:3}", snap, err)
	}
	if v, err := s.VersionAt(ctx, "c", "d", 1001); err != nil || v != 2 {
		t.Errorf("VersionAt(1001) after reopen = %d, %v; want 2", v, err)
	}
	if ids, err := s.List(ctx, "c", "", 10); err != nil || len(ids) != 1 || ids[0] != "d" {
		t.Errorf("List after reopen = %q, %v; want [d]", ids, err)
	}
	// The conditional append continues from the persisted head.
	next := ot.Op{Version: 3, Src: "b", Seq: 1, Ts: 2000, Del: true}
	taken := ot.Op{Version: 2, Src: "b", Seq: 2, Ts: 2000, Del: true}
	got, err := s.Commit(ctx, []session.Commit{{Collection: "c", ID: "d", Ops: []ot.Op{next}}, {Collection: "c", ID: "d", Ops: []ot.Op{taken}}})
	if err != nil || !got[0] || got[1] {
		t.Errorf("Commit after reopen = %v, %v; want [true false]", got, err)
	}
}

func TestBoltRefusesSecondOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weft.db")
	first := mustOpen(t, path)
	_, err := OpenBolt(path, BoltOptions{LockTimeout: 50 * time.Millisecond}, nil)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second OpenBolt: error %v, want ErrLocked naming %s", err, path)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	mustOpen(t, path) // the lock is released with the first store
}

func TestBoltRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a store file ", 4096)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBolt(junk, BoltOptions{}, nil); err == nil || !strings.Contains(err.Error(), junk) {
		t.Errorf("OpenBolt of a junk file: error %v, want one naming the file", err)
	}
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keyFormat, []byte("weft-store-99"))
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	if _, err := OpenBolt(other, BoltOptions{}, nil); err == nil || !strings.Contains(err.Error(), "weft-store-99") {
		t.Errorf("OpenBolt of another format: error %v, want one naming the format", err)
	}
}
