package richtext

import (
	"math/rand/v2"
	"testing"
)

// TestChunkedMatchesFlat applies many successive random ops to a large
// chunked document and checks each result element for element against
// the same algorithm run on the document held as one chunk, so sharing
// and re-chunking never change a result's shape.
func TestChunkedMatchesFlat(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	var doc []any
	for len(doc) < 600 {
		doc = append(doc, genDoc(r, false)...)
	}
	typ := New()
	cur, err := typ.Create(doc)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cur.(*Delta).chunks); n < 3 {
		t.Fatalf("document has %d chunks, want several", n)
	}
	for step := range 300 {
		d := cur.(*Delta)
		tr := opsTree(d.chunks)
		op := genOp(r, tr, false)
		opOps, _ := toOps(op)
		got, err1 := compose(d.chunks, opOps)
		want, err2 := compose([]chunk{newChunk(flatten(d.chunks))}, []chunk{newChunk(flatten(opOps))})
		if err1 != nil || err2 != nil {
			t.Fatalf("step %d: %v %v", step, err1, err2)
		}
		g, w := flatten(got.chunks), flatten(want.chunks)
		if len(g) != len(w) {
			t.Fatalf("step %d: %d elements, want %d (op %s)", step, len(g), len(w), js(op))
		}
		for i := range g {
			if !opEqual(g[i], w[i]) {
				t.Fatalf("step %d: element %d differs (op %s)", step, i, js(op))
			}
		}
		for i, c := range got.chunks {
			if len(c.ops) == 0 || len(c.ops) > chunkMax+2 {
				t.Fatalf("step %d: chunk %d has %d elements", step, i, len(c.ops))
			}
			if want := newChunk(c.ops); want.units != c.units || want.inserts != c.inserts {
				t.Fatalf("step %d: chunk %d summary is stale", step, i)
			}
		}
		if err := typ.Validate(got, genOp(r, opsTree(got.chunks), false)); err != nil {
			t.Fatalf("step %d: Validate: %v", step, err)
		}
		cur = got
	}
}

// TestCompact checks that a result left with many tiny chunks is
// re-chunked without changing its elements.
func TestCompact(t *testing.T) {
	b := &builder{}
	var want []Op
	for i := range 200 {
		o := Op{kind: kindText, n: 1, text: string(rune('a' + i%26))}
		b.done = append(b.done, newChunk([]Op{o})) // as edits can leave them
		want = append(want, o)
	}
	if len(b.done) < 100 {
		t.Fatalf("setup: %d chunks, want many tiny ones", len(b.done))
	}
	d := b.delta()
	if n := len(d.chunks); n > 200/chunkMax+1 {
		t.Errorf("after compaction %d chunks, want at most %d", n, 200/chunkMax+1)
	}
	got := flatten(d.chunks)
	if len(got) != len(want) {
		t.Fatalf("%d elements, want %d", len(got), len(want))
	}
	for i := range got {
		if !opEqual(got[i], want[i]) {
			t.Fatalf("element %d differs", i)
		}
	}
}
