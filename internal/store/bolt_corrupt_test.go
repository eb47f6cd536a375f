package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

// corruptFile runs mutate on the raw bbolt file at path.
func corruptFile(t *testing.T, path string, mutate func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	if err := db.Update(mutate); err != nil {
		t.Fatalf("corrupting: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("bolt.Close: %v", err)
	}
}

// put returns a mutation storing value under key in bucket.
func put(bucket, key []byte, value string) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, []byte(value)) }
}

func TestBoltCorruptDataGivesErrors(t *testing.T) {
	ctx := context.Background()
	prefix := docPrefix("c", "d")
	op1, snap3, head := versionKey(prefix, 1), versionKey(prefix, 3), headKey("c", "d")
	readOps := func(s *Bolt) error { _, err := s.Ops(ctx, "c", "d", 0, -1); return err }
	readSnap := func(s *Bolt) error { _, err := s.Snapshot(ctx, "c", "d", -1); return err }
	readHead := func(s *Bolt) error { _, err := s.Head(ctx, "c", "d"); return err }
	versionAt := func(s *Bolt) error { _, err := s.VersionAt(ctx, "c", "d", 1001); return err }
	// After the last op's ts, so the seek lands on keys added past it.
	versionAtLate := func(s *Bolt) error { _, err := s.VersionAt(ctx, "c", "d", 1002); return err }
	commit := func(s *Bolt) error {
		_, err := s.Commit(ctx, []session.Commit{{Collection: "c", ID: "d", Ops: []ot.Op{{Version: 3, Del: true}}}})
		return err
	}
	writeSnap := func(s *Bolt) error { return s.WriteSnapshot(ctx, "c", "d", ot.Snapshot{Version: 2}) }
	for _, tc := range []struct {
		name   string
		mutate func(tx *bolt.Tx) error
		call   func(s *Bolt) error
	}{
		{"op not JSON", put(bucketOps, op1, "{not json"), readOps},
		{"op invalid UTF-8", put(bucketOps, op1, "{\"v\":1,\"op\":\"\xff\",\"m\":{\"ts\":1}}"), readOps},
		{"op lone surrogate", put(bucketOps, op1, `{"v":1,"op":"\ud800","m":{"ts":1}}`), readOps},
		{"op of no kind", put(bucketOps, op1, `{"v":1,"m":{"ts":1}}`), readOps},
		{"op without version", put(bucketOps, op1, `{"del":true,"m":{"ts":1}}`), readOps},
		{"op version differs from key", put(bucketOps, op1, `{"v":7,"del":true,"m":{"ts":1}}`), readOps},
		{"op field of wrong type", put(bucketOps, op1, `{"v":"one","del":true}`), readOps},
		{"op key too short", put(bucketOps, append(prefix[:len(prefix):len(prefix)], 0, 1), `{}`), readOps},
		{"hole in the log", func(tx *bolt.Tx) error { return tx.Bucket(bucketOps).Delete(op1) }, readOps},
		{"snapshot not JSON", put(bucketSnaps, snap3, "]"), readSnap},
		{"snapshot version differs from key", put(bucketSnaps, snap3, `{"v":2}`), readSnap},
		{"snapshot data of wrong shape", put(bucketSnaps, snap3, `{"v":3,"m":"x"}`), readSnap},
		{"head too short", put(bucketHeads, head, "abc"), readHead},
		{"head negative", put(bucketHeads, head, strings.Repeat("\xff", 16)), readHead},
		{"head corrupt on commit", put(bucketHeads, head, "abc"), commit},
		{"head corrupt on write snapshot", put(bucketHeads, head, "abc"), writeSnap},
		{"head corrupt on version at", put(bucketHeads, head, "abc"), versionAt},
		{"time key malformed", put(bucketTimes, append(prefix[:len(prefix):len(prefix)], 0xff), ""), versionAtLate},
		{"time key beyond head", put(bucketTimes, timeKey(prefix, 1500, 99), ""), versionAtLate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "weft.db")
			s := mustOpen(t, path)
			writeHistory(t, s)
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			corruptFile(t, path, tc.mutate)
			s = mustOpen(t, path)
			err := tc.call(s)
			if err == nil {
				t.Fatalf("no error reading corrupt data")
			}
			if !strings.Contains(err.Error(), `"c"/"d"`) {
				t.Errorf("error %q does not name the document", err)
			}
			t.Logf("error: %v", err)
		})
	}
}
