package textunicode

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"

	"github.com/weftdev/weft/internal/ot"
)

// TestEditGeneratorCoversFastPaths makes sure the single-edit generator,
// which the differential test and the fuzz targets use, reaches every
// branch of the fast paths (and their fallbacks) often.
func TestEditGeneratorCoversFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	counts := map[string]int{}
	const cases = 5000
	for range cases {
		doc := genDoc(r)
		_, a, docA := genEdit(r, doc, -1)
		_, b, _ := genEdit(r, doc, editAt(a))
		_, c, _ := genEdit(r, docA, editAt(a)+r.IntN(3))
		x, ok1 := asEdit(a)
		y, ok2 := asEdit(b)
		z, ok3 := asEdit(c)
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("generated ops %v, %v, %v do not all have the single-edit shape", a, b, c)
		}
		for _, left := range []bool{true, false} {
			_, same, ok := transformEdits(&x, &y, left)
			counts[transformBranch(x, y, same, ok)]++
		}
		if _, ok := composeEdits(&x, &z); ok {
			counts["compose "+kindName(&x)+"+"+kindName(&z)]++
		} else {
			counts["compose fallback"]++
		}
		if msg := fastMatchesGeneral(a, b, c); msg != "" {
			t.Fatal(msg)
		}
	}
	for _, want := range []string{
		"ins/ins same", "ins/ins moved", "del/ins same", "del/ins moved", "del/ins fallback",
		"ins/del same", "ins/del moved", "del/del same", "del/del moved", "del/del fallback",
		"compose ins+ins", "compose ins+del", "compose fallback",
	} {
		if counts[want] < cases/100 {
			t.Errorf("%q: %d of %d cases, want at least 1%%", want, counts[want], cases)
		}
	}
	t.Logf("%v", counts)
}

func kindName(e *edit) string {
	if e.isInsert() {
		return "ins"
	}
	return "del"
}

func transformBranch(x, y edit, same, ok bool) string {
	name := kindName(&x) + "/" + kindName(&y)
	switch {
	case !ok:
		return name + " fallback"
	case same:
		return name + " same"
	}
	return name + " moved"
}

// TestEditResultIsAnOp checks that the fast path's result value (*edit)
// is accepted by every function exactly as the Op it stands for.
func TestEditResultIsAnOp(t *testing.T) {
	typ := New()
	doc := "héllo 😀 world"
	for _, e := range []edit{
		{at: 3, s: "x😀"}, {s: "ab"}, {at: 2, del: 3}, {del: 1}, {at: 6, del: delText, s: "😀"},
	} {
		op := e.appendTo(nil)
		ev := &e
		if got, want := enc(t, ev), op.String(); got != want {
			t.Errorf("%v encodes as %s, want %s", op, got, want)
		}
		pairs := []struct {
			name string
			got  func(v any) (any, error)
		}{
			{"apply", func(v any) (any, error) { return typ.Apply(doc, v) }},
			{"validate", func(v any) (any, error) { return nil, typ.Validate(doc, v) }},
			{"normalize", typ.Normalize},
			{"invert", typ.Invert},
			{"makeInvertible", func(v any) (any, error) { return MakeInvertible(v, doc) }},
			{"stripInvertible", func(v any) (any, error) { return StripInvertible(v) }},
			{"isNoop", func(v any) (any, error) { return IsNoop(v), nil }},
			{"checkOp", func(v any) (any, error) { return nil, CheckOp(v) }},
			{"transformPosition", func(v any) (any, error) { return TransformPosition(4, v) }},
			{"transform", func(v any) (any, error) { return typ.Transform(v, Op{Skip(1), Delete(2)}, ot.Left) }},
			{"transformOther", func(v any) (any, error) { return typ.Transform(Op{Skip(4), Insert("q")}, v, ot.Right) }},
			{"compose", func(v any) (any, error) { return typ.Compose(v, Op{Skip(1), Insert("z")}) }},
		}
		for _, p := range pairs {
			got, err1 := p.got(ev)
			want, err2 := p.got(op)
			g, w := fmt.Sprintf("%v", err1), fmt.Sprintf("%v", err2)
			if err1 == nil && err2 == nil {
				g, w = enc(t, got), enc(t, want)
			}
			if g != w {
				t.Errorf("%s(%v): edit gives %s, Op gives %s", p.name, op, g, w)
			}
		}
	}
}

// TestComposeResult checks the Type's compose result against the package
// function's for results around inlineCap, and that a short result costs
// one allocation (the edit and its text together).
func TestComposeResult(t *testing.T) {
	typed := "héllo😀 wörld, and some more text"
	for _, c := range []struct {
		a, b   Op
		allocs float64
	}{
		{Op{Skip(3), Insert("x")}, Op{Skip(4), Insert("y")}, 1},                      // "xy"
		{Op{Skip(3), Insert("x")}, Op{Skip(3), Delete(1)}, 0},                        // "": an empty *Op
		{Op{Insert("héllo😀 w")}, Op{Skip(4), Insert("😀")}, 1},                        // 16 bytes: inline
		{Op{Insert("héllo😀 w")}, Op{Skip(4), Insert("😀x")}, 2},                       // 17 bytes
		{Op{Insert("héllo😀 wö")}, Op{Skip(2), Delete(1)}, 1},                         // 16 bytes after the delete
		{Op{Skip(1), Insert(typed)}, Op{Skip(2), DeleteText("é")}, 2},                // long
		{Op{Skip(1), Insert(typed)}, Op{Skip(7), Delete(len([]rune(typed)) - 6)}, 1}, // the head only
		{Op{Insert("ab")}, Op{Skip(2), Insert("c")}, 1},                              // at the end
		{Op{Insert("ab")}, Op{Insert("c")}, 1},                                       // at the start
	} {
		x, _ := asEdit(c.a)
		y, _ := asEdit(c.b)
		sp, ok := composeEdits(&x, &y)
		if !ok {
			t.Fatalf("compose(%v, %v) is not a fast-path case", c.a, c.b)
		}
		got, want := enc(t, sp.composeResult()), sp.composeOp().String()
		if gen, _ := composeAll(c.a, c.b); want != gen.String() {
			t.Errorf("compose(%v, %v): fast path %s, general %s", c.a, c.b, want, gen)
		}
		if got != want {
			t.Errorf("compose(%v, %v): Type result %s, want %s", c.a, c.b, got, want)
		}
		if n := testing.AllocsPerRun(100, func() { _ = sp.composeResult() }); n != max(c.allocs, 1) {
			// An empty *Op is one allocation too.
			t.Errorf("compose(%v, %v): %v allocations, want %v", c.a, c.b, n, max(c.allocs, 1))
		}
	}
}

// TestInlineEditSize checks that an inlineEdit fills its size class
// exactly, as inlineCap's comment says.
func TestInlineEditSize(t *testing.T) {
	if n := unsafe.Sizeof(inlineEdit{}); n != 48 {
		t.Errorf("inlineEdit is %d bytes, want 48", n)
	}
}

// TestInlineTextOutlivesEdit keeps only the strings of many inline
// compose results, drops the edits, collects, and reuses the memory: the
// strings must be intact (their pointers keep the objects alive).
func TestInlineTextOutlivesEdit(t *testing.T) {
	want := make([]string, 1000)
	got := make([]string, len(want))
	for i := range want {
		s := fmt.Sprintf("%x😀", i)
		want[i] = s + "y"
		sp := splice{at: float64(i), head: s, mid: "y"}
		got[i] = sp.composeResult().(*edit).s
	}
	for range 3 {
		runtime.GC()
		junk := make([]*inlineEdit, 10_000) // reuses freed 48-byte slots, if any
		for i := range junk {
			junk[i] = &inlineEdit{text: [inlineCap]byte{0: 'Z', inlineCap - 1: 'Z'}}
		}
		runtime.KeepAlive(junk)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("string %d is %q, want %q", i, got[i], want[i])
		}
	}
}
