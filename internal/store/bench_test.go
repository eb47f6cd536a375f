package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
	"github.com/weftdev/weft/internal/store"
)

// benchDocs is how many documents the benchmark spreads its ops over.
const benchDocs = 256

// BenchmarkBoltCommit measures durable commits of one small op each, either
// one commit per transaction ("single") or 64 commits to different
// documents per transaction ("batch64", group commit). One benchmark
// iteration is one op in both, so ns/op and ops/s compare directly.
func BenchmarkBoltCommit(b *testing.B) {
	for _, batch := range []int{1, 64} {
		name := "single"
		if batch > 1 {
			name = fmt.Sprintf("batch%d", batch)
		}
		b.Run(name, func(b *testing.B) {
			s, err := store.OpenBolt(filepath.Join(b.TempDir(), "bench.db"), store.BoltOptions{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchCommit(b, s, batch)
		})
	}
}

// benchCommit commits b.N ops to s, batch commits per Store.Commit.
func benchCommit(b *testing.B, s session.Store, batch int) {
	ctx := context.Background()
	heads := make([]int64, benchDocs)
	ids := make([]string, benchDocs)
	for i := range ids {
		ids[i] = fmt.Sprintf("doc-%03d", i)
	}
	edit := []any{map[string]any{"p": []any{"text", 0.0}, "si": "hello"}}
	commits := make([]session.Commit, 0, batch)
	b.ResetTimer()
	for done, next := 0, 0; done < b.N; {
		commits = commits[:0]
		for range min(batch, b.N-done) {
			d := next % benchDocs
			next++
			op := ot.Op{Version: heads[d], Src: "bench", Seq: heads[d] + 1, Ts: heads[d], Edit: edit}
			if heads[d] == 0 {
				op = ot.Op{Version: 0, Src: "bench", Seq: 1, Create: &ot.Create{Type: "http://sharejs.org/types/JSONv0", Data: map[string]any{"text": ""}}}
			}
			commits = append(commits, session.Commit{Collection: "bench", ID: ids[d], Ops: []ot.Op{op}})
			heads[d]++
		}
		got, err := s.Commit(ctx, commits)
		if err != nil {
			b.Fatal(err)
		}
		for i, ok := range got {
			if !ok {
				b.Fatalf("commit %d refused", i)
			}
		}
		done += len(commits)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
