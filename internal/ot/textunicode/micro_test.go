package textunicode

import (
	"strings"
	"testing"
)

func BenchmarkCPOffset(b *testing.B) {
	doc := benchDoc(1 << 10)
	n := cpCount(doc) / 2
	for b.Loop() {
		cpOffset(doc, n)
	}
}

func TestCPOffset(t *testing.T) {
	doc := benchDoc(5000) + "x😀é"
	cps := codePoints(doc)
	for n := 0; n <= len(cps)+3; n++ {
		off, missing := cpOffset(doc, n)
		wantOff, wantMissing := len(doc), 0
		if n <= len(cps) {
			wantOff = len(strings.Join(cps[:n], ""))
		} else {
			wantMissing = n - len(cps)
		}
		if off != wantOff || missing != wantMissing {
			t.Fatalf("cpOffset(doc, %d) = %d, %d; want %d, %d", n, off, missing, wantOff, wantMissing)
		}
		if n <= len(cps) && cpCount(doc[:off]) != n {
			t.Fatalf("cpCount(doc[:%d]) = %d, want %d", off, cpCount(doc[:off]), n)
		}
	}
	ascii := strings.Repeat("abcdefgh", 20)
	for n := 0; n <= 161; n++ {
		if off, _ := cpOffset(ascii, n); off != min(n, 160) {
			t.Fatalf("ascii cpOffset(%d) = %d", n, off)
		}
	}
}

// TestManyInsertsLinear guards against quadratic merging: 200,000 adjacent
// one-character inserts must normalise and transform quickly (seconds if
// merging were quadratic; this only checks the results).
func TestManyInsertsLinear(t *testing.T) {
	op := make([]any, 200_000)
	for i := range op {
		op[i] = "é"
	}
	got, err := New().Normalize(op)
	if err != nil {
		t.Fatal(err)
	}
	n := *got.(*Op)
	if len(n) != 1 || cpCount(n[0].s) != 200_000 {
		t.Fatalf("normalize merged into %d components", len(n))
	}
	tr, err := transform(Op(mustParse(t, op)), Op{Insert("x")}, true)
	// Left: the first insert goes before "x", the rest merge after it.
	if err != nil || len(*tr) != 3 || cpCount((*tr)[2].s) != 199_999 {
		t.Fatalf("transform: %d components, %v", len(*tr), err)
	}
}

func mustParse(t *testing.T, op any) Op {
	t.Helper()
	o, err := parse(op)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestLongDeleteLinear guards against quadratic slicing: a 100,000 code
// point text delete cut into pieces by 50,000 skips must transform and
// compose quickly.
func TestLongDeleteLinear(t *testing.T) {
	text := strings.Repeat("é😀", 50_000)
	del := Op{DeleteText(text)}
	other := make(Op, 0, 100_000)
	for range 50_000 {
		other = append(other, Skip(1), Insert("x"))
	}
	tr, err := transform(del, other, true)
	if err != nil || len(*tr) != 100_001 { // 50,000 × (delete piece, skip "x") + the rest
		t.Fatalf("transform: %d components, %v", len(*tr), err)
	}
	ins := Op{Insert(text)}
	cut := make(Op, 0, 100_000)
	for range 50_000 {
		cut = append(cut, Skip(1), Delete(1))
	}
	c, err := compose(ins, cut)
	if err != nil || len(*c) != 1 || cpCount((*c)[0].s) != 50_000 {
		t.Fatalf("compose: %v, %v", c, err)
	}
}
