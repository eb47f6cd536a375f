package oracle

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// NodeBench times calls of the reference types in Node (tools/otoracle/
// bench.js), so Go benchmarks can report their speed against the reference
// measured in the same run. Results are cached per call, because Go calls a
// benchmark function several times with growing b.N.
type NodeBench struct {
	mu    sync.Mutex
	cache map[string]float64
}

// NsPerOp returns the reference's nanoseconds per call of c, timed for
// about one second. It skips b when Node or the packages are missing, or
// fails it under WEFT_REQUIRE_ORACLE.
func (nb *NodeBench) NsPerOp(b *testing.B, c Call) float64 {
	b.Helper()
	req := map[string]any{"type": c.Type, "fn": c.Fn, "args": c.Args, "ms": 1000}
	body, err := ot.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	key := string(body)
	nb.mu.Lock()
	defer nb.mu.Unlock()
	if ns, ok := nb.cache[key]; ok {
		return ns
	}
	dir, err := oracleDir()
	if err != nil {
		b.Fatal(err)
	}
	_ = Start(b) // skips or fails b when Node is unavailable
	cmd := exec.Command("node", filepath.Join(dir, "bench.js"))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("node bench %s.%s: %v", c.Type, c.Fn, err)
	}
	var res struct{ NsPerOp float64 }
	if err := json.Unmarshal(out, &res); err != nil {
		b.Fatalf("node bench output %q: %v", out, err)
	}
	if nb.cache == nil {
		nb.cache = map[string]float64{}
	}
	nb.cache[key] = res.NsPerOp
	return res.NsPerOp
}

// Report adds the reference's time and the speed-up to b's results as the
// metrics "js-ns/op" and "x-faster". Call it after the timed loop.
func (nb *NodeBench) Report(b *testing.B, c Call) {
	b.Helper()
	b.StopTimer()
	js := nb.NsPerOp(b, c)
	goNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(js, "js-ns/op")
	if goNs > 0 {
		b.ReportMetric(js/goNs, "x-faster")
	}
}
