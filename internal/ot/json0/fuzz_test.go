package json0

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// fuzzGen seeds a generator from fuzz bytes.
func fuzzGen(data []byte) *gen {
	var buf [16]byte
	copy(buf[:], data)
	g := &gen{r: rand.New(rand.NewPCG(binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])))}
	if len(data) > 16 {
		g.form = stringForm(int(data[16]) % 2) // pure forms: TP1 holds
	}
	return g
}

// FuzzTransform checks TP1 on a random document and two random ops.
func FuzzTransform(f *testing.F) {
	f.Add([]byte("seed-0123456789ab"))
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x01"))
	f.Add([]byte("😀🤖👻🎉 emoji seed"))
	typ := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		g := fuzzGen(data)
		doc := g.doc()
		a, _ := g.jsonOp(doc)
		b, _ := g.jsonOp(doc)
		for _, left := range []bool{true, false} {
			x, y := a, b
			if !left {
				x, y = b, a
			}
			x2, err1 := typ.Transform(x, y, ot.Left)
			y2, err2 := typ.Transform(y, x, ot.Right)
			if err1 != nil || err2 != nil {
				t.Fatalf("transform: %v %v", err1, err2)
			}
			l := mustApply(typ, mustApply(typ, cloneJSON(doc), y), x2)
			r := mustApply(typ, mustApply(typ, cloneJSON(doc), x), y2)
			if !sameDoc(l, r) {
				t.Fatalf("TP1 fails: doc %s x %s y %s: %s vs %s", jsonString(doc), jsonString(x), jsonString(y), jsonString(l), jsonString(r))
			}
		}
	})
}

// FuzzCompose checks apply(apply(s, a), b) == apply(s, compose(a, b)).
func FuzzCompose(f *testing.F) {
	f.Add([]byte("compose-seed-0001\x00"))
	f.Add([]byte("👩‍💻 compose with emoji \x01"))
	typ := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		g := fuzzGen(data)
		doc := g.doc()
		a, da := g.jsonOp(doc)
		b, _ := g.jsonOp(da)
		c, err := typ.Compose(a, b)
		if err != nil {
			t.Fatalf("compose: %v", err)
		}
		want := mustApply(typ, mustApply(typ, cloneJSON(doc), a), b)
		got := mustApply(typ, cloneJSON(doc), c)
		if !sameDoc(got, want) {
			t.Fatalf("compose: doc %s a %s b %s: %s vs %s", jsonString(doc), jsonString(a), jsonString(b), jsonString(got), jsonString(want))
		}
	})
}

// FuzzNoPanic feeds arbitrary JSON to every function: [doc, a, b] when
// the input is such an array, else the whole value in every position.
func FuzzNoPanic(f *testing.F) {
	for _, s := range []string{
		`[{"s":"a😀b"},[{"p":["s",2],"si":"X"}],[{"p":["s",1],"sd":"😀"}]]`,
		`[{"l":[1,2,3]},[{"p":["l",0],"lm":2}],[{"p":["l",1],"ld":2,"li":"x"}]]`,
		`[null,[{"p":[],"od":null,"oi":{"a":1}}],[{"p":[],"na":1}]]`,
		`["ab",[{"p":[],"t":"text0","o":[{"p":1,"i":"👩‍💻"}]}],[{"p":[0],"si":"x"}]]`,
		`[[1],[{"p":["0"],"na":"x"}],[{"p":[-1],"li":null},{"p":[0],"lm":"1"}]]`,
		`[{},[{"p":["__proto__"],"oi":1}],[{"p":["a","b"],"oi":1},5,null]]`,
		`[{"a":"x"},[{"p":["a"],"t":"text0","o":"abc"}],[{"p":["a"],"t":"text0","o":[{"p":-1,"d":5}]}]]`,
		`{"p":[],"oi":1}`, `[1,2,3]`, `"text"`, `null`,
	} {
		f.Add([]byte(s))
	}
	typ := New()
	t0 := NewText0()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ot.Decode(data)
		if err != nil {
			return
		}
		args := []any{v, v, v}
		if l, ok := v.([]any); ok && len(l) == 3 {
			args = l
		}
		callEverything(typ, t0, args[0], args[1], args[2])
		// Ops Validate accepts must apply cleanly, and Validate must not
		// touch the snapshot.
		before := jsonString(args[0])
		if typ.Validate(args[0], args[1]) == nil {
			if jsonString(args[0]) != before {
				t.Fatalf("Validate changed the snapshot %s", before)
			}
			if _, err := typ.Apply(cloneJSON(args[0]), args[1]); err != nil {
				t.Fatalf("Validate accepted %s on %s but Apply failed: %v", jsonString(args[1]), before, err)
			}
		}
		if s, ok := args[0].(string); ok && t0.Validate(s, args[1]) == nil {
			if _, err := t0.Apply(s, args[1]); err != nil {
				t.Fatalf("text0 Validate accepted %s on %q but Apply failed: %v", jsonString(args[1]), s, err)
			}
		}
	})
}

// callEverything calls every function with the given values; it fails
// only by panicking.
func callEverything(typ *Type, t0 *Text0, doc, a, b any) {
	_ = typ.Validate(doc, a)
	_, _ = typ.Apply(cloneJSON(doc), a)
	_, _ = typ.Apply(cloneJSON(doc), b)
	_, _ = typ.Transform(a, b, ot.Left)
	_, _ = typ.Transform(a, b, ot.Right)
	_, _ = typ.Transform(b, a, ot.Side(7))
	_, _, _ = typ.TransformX(a, b)
	_, _ = typ.Compose(a, b)
	_, _ = typ.Normalize(a)
	_, _ = typ.Invert(a)
	_, _ = typ.Shatter(a)
	_, _ = typ.Create(doc)
	_, _ = t0.Create(doc)
	_, _ = t0.Apply(doc, a)
	_, _ = t0.Compose(a, b)
	_, _ = t0.Transform(a, b, ot.Left)
	_, _ = t0.Transform(b, a, ot.Right)
	_, _, _ = t0.TransformX(a, b)
	_, _ = t0.Normalize(a)
	_, _ = t0.Invert(a)
	_, _ = t0.TransformCursor(doc, a, "right")
	_ = t0.Validate(doc, a)
}
