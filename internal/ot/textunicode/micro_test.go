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

func BenchmarkTransformRaw(b *testing.B) {
	op := Op{Skip(500), Insert("x")}
	other := Op{Skip(497), Insert("y")}
	for b.Loop() {
		_, _ = transform(op, other, true)
	}
}

func BenchmarkAlloc192(b *testing.B) {
	for b.Loop() {
		r := &result{}
		sinkRes = r
	}
}

var sinkRes *result
