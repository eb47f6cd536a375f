package textunicode

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// benchDoc returns a realistic document of about size bytes: mostly ASCII
// prose with accented, CJK and emoji text and newlines (oracle.Text).
func benchDoc(size int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var s strings.Builder
	for s.Len() < size {
		s.WriteString(oracle.Text(r, 64))
	}
	return s.String()
}

type benchCase struct {
	name string
	doc  string
	mid  int // a code point offset in the middle of doc
}

func benchCases() []benchCase {
	var out []benchCase
	for _, c := range []struct {
		name string
		size int
	}{{"1KB", 1 << 10}, {"1MB", 1 << 20}} {
		doc := benchDoc(c.size)
		out = append(out, benchCase{c.name, doc, cpCount(doc) / 2})
	}
	return out
}

var nb oracle.NodeBench

// BenchmarkApply applies one keystroke in the middle of the document, held
// as Apply returns it (a string up to 8 KB, a *Text above). The
// 1MB-fromstring row applies it to the 1 MB document as a string, as the
// first op after a load does.
func BenchmarkApply(b *testing.B) {
	typ := New()
	for _, c := range benchCases() {
		held, err := typ.Apply(c.doc, Op{})
		if err != nil {
			b.Fatal(err)
		}
		benchApply(b, typ, c.name, held, c)
		if _, ok := held.(*Text); ok {
			benchApply(b, typ, c.name+"-fromstring", c.doc, c)
		}
	}
}

func benchApply(b *testing.B, typ Type, name string, doc any, c benchCase) {
	b.Run(name, func(b *testing.B) {
		op := Op{Skip(c.mid), Insert("x")}
		// Boxed once, as ShareDB's session holds them.
		var docV, opV any = doc, op
		b.ReportAllocs()
		for b.Loop() {
			if _, err := typ.Apply(docV, opV); err != nil {
				b.Fatal(err)
			}
		}
		nb.Report(b, oracle.Call{Type: "text-unicode", Fn: "apply", Args: []any{c.doc, op}})
	})
}

// BenchmarkTransform transforms one keystroke over a concurrent keystroke
// and a concurrent delete just before it.
func BenchmarkTransform(b *testing.B) {
	typ := New()
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			op := Op{Skip(c.mid), Insert("x")}
			other := Op{Skip(c.mid - 3), Insert("y")}
			var opV, otherV any = op, other
			b.ReportAllocs()
			for b.Loop() {
				if _, err := typ.Transform(opV, otherV, ot.Left); err != nil {
					b.Fatal(err)
				}
			}
			nb.Report(b, oracle.Call{Type: "text-unicode", Fn: "transform", Args: []any{op, other, "left"}})
		})
	}
}

// BenchmarkCompose composes two consecutive keystrokes.
func BenchmarkCompose(b *testing.B) {
	typ := New()
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			a := Op{Skip(c.mid), Insert("x")}
			next := Op{Skip(c.mid + 1), Insert("y")}
			var aV, nextV any = a, next
			b.ReportAllocs()
			for b.Loop() {
				if _, err := typ.Compose(aV, nextV); err != nil {
					b.Fatal(err)
				}
			}
			nb.Report(b, oracle.Call{Type: "text-unicode", Fn: "compose", Args: []any{a, next}})
		})
	}
}
