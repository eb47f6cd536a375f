package textunicode

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// modelApply is an independent apply over []rune, used so the fuzz targets
// do not compute their expectations with the code under test.
func modelApply(doc string, op Op) (string, bool) {
	rs := []rune(doc)
	var out []rune
	i := 0
	for _, c := range op {
		switch c.k {
		case kSkip:
			n := int(c.n)
			if i+n > len(rs) {
				return "", false
			}
			out = append(out, rs[i:i+n]...)
			i += n
		case kInsert:
			out = append(out, []rune(c.s)...)
		case kDelN, kDelS:
			n := int(dlen(c))
			if i+n > len(rs) {
				return "", false
			}
			i += n
		default:
			return "", false
		}
	}
	return string(append(out, rs[i:]...)), true
}

func fuzzDoc(doc string) string {
	doc = strings.ToValidUTF8(doc, "?")
	if len(doc) > 4000 {
		doc = doc[:4000]
		doc = strings.ToValidUTF8(doc, "")
	}
	return doc
}

func fuzzRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// fuzzOps returns two ops made against doc and the documents they
// produce: general ops, or (for a third of the seeds) single edits close
// together, the shape the fast paths take.
func fuzzOps(r *rand.Rand, doc string) (a Op, docA string, b Op, docB string) {
	if r.IntN(3) == 0 {
		_, a, docA = genEdit(r, doc, -1)
		_, b, docB = genEdit(r, doc, editAt(a))
		return a, docA, b, docB
	}
	_, a, docA = genOp(r, doc)
	_, b, docB = genOp(r, doc)
	return a, docA, b, docB
}

// FuzzTransform checks TP1, both ways round, with the model apply, and
// that the fast paths agree with the general algorithm.
func FuzzTransform(f *testing.F) {
	f.Add("", uint64(1))
	f.Add("a😀b👩‍💻c", uint64(2))
	f.Add("héllo 中文 𝒳\nworld", uint64(3))
	f.Fuzz(func(t *testing.T, doc string, seed uint64) {
		doc = fuzzDoc(doc)
		r := fuzzRand(seed)
		a, docA, b, docB := fuzzOps(r, doc)
		if got, ok := modelApply(doc, a); !ok || got != docA {
			t.Fatalf("generator/model disagree on %q %v", doc, a)
		}
		for _, left := range []bool{true, false} {
			a2, err1 := transform(a, b, left)
			b2, err2 := transform(b, a, !left)
			if err1 != nil || err2 != nil {
				t.Fatalf("transform errors: %v, %v", err1, err2)
			}
			x, ok1 := modelApply(docB, *a2)
			y, ok2 := modelApply(docA, *b2)
			if !ok1 || !ok2 || x != y {
				t.Fatalf("TP1 fails: doc %q a %v b %v a' %v b' %v: %q != %q", doc, a, b, *a2, *b2, x, y)
			}
			if err := New().Validate(docB, *a2); err != nil {
				t.Fatalf("transformed op invalid: %v", err)
			}
		}
		if msg := fastMatchesGeneral(a, b, b); msg != "" {
			t.Fatal(msg)
		}
	})
}

// FuzzCompose checks apply(apply(s,a),b) == apply(s, compose(a,b)), and
// that compose's fast path agrees with the general algorithm.
func FuzzCompose(f *testing.F) {
	f.Add("", uint64(1))
	f.Add("a😀b👩‍💻c", uint64(2))
	f.Add("héllo 中文 𝒳\nworld", uint64(3))
	f.Fuzz(func(t *testing.T, doc string, seed uint64) {
		doc = fuzzDoc(doc)
		r := fuzzRand(seed)
		var a, b Op
		var docA, docAB string
		if r.IntN(3) == 0 {
			_, a, docA = genEdit(r, doc, -1)
			_, b, docAB = genEdit(r, docA, editAt(a)+r.IntN(3))
		} else {
			_, a, docA = genOp(r, doc)
			_, b, docAB = genOp(r, docA)
		}
		if msg := sameResult("compose", a, b, func(x, y Op, general bool) (*Op, error) {
			if general {
				return composeAll(x, y)
			}
			return compose(x, y)
		}); msg != "" {
			t.Fatal(msg)
		}
		typ := New()
		c, err := typ.Compose(a, b)
		if err != nil {
			t.Fatalf("compose(%v, %v): %v", a, b, err)
		}
		got, err := typ.Apply(doc, c)
		if err != nil || got != docAB {
			t.Fatalf("apply(%q, compose(%v, %v) = %v) = %q, %v; want %q", doc, a, b, c, got, err, docAB)
		}
		step, err := typ.Apply(doc, a)
		if err == nil {
			step, err = typ.Apply(step, b)
		}
		if err != nil || step != docAB {
			t.Fatalf("apply(apply(%q, %v), %v) = %q, %v; want %q", doc, a, b, step, err, docAB)
		}
	})
}

// FuzzNoPanic feeds arbitrary JSON to every function in every position.
func FuzzNoPanic(f *testing.F) {
	for _, s := range []string{`[1,"😀",{"d":2}]`, `[{"d":"👩‍💻"},true,null]`, `"a😀b"`,
		`[1.5,{"d":1e300},-1]`, `[{"d":1,"x":{}},[],{}]`, `{"d":"x"}`, `[1e-300,{"d":"ab"}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ot.Decode(data)
		if err != nil {
			v = string(fuzzDoc(string(data)))
		}
		exercise(t, v)
	})
}

// exercise calls every function with v in every position; none may panic,
// and an op Validate accepts must apply.
func exercise(t *testing.T, v any) {
	typ := New()
	docs := []any{"", "abc", "a😀b👩‍💻c", v}
	ops := []any{[]any{}, []any{1.0, "x"}, Op{DeleteText("a")}, v}
	for _, doc := range docs {
		if err := typ.Validate(doc, v); err == nil {
			if _, err := typ.Apply(doc, v); err != nil {
				t.Fatalf("Validate accepted %s on %s but Apply failed: %v", enc(t, v), enc(t, doc), err)
			}
		}
		_, _ = typ.Apply(doc, v)
		_, _ = MakeInvertible(v, doc)
		_, _ = InvertWithDoc(v, doc)
		for _, op := range ops {
			_ = typ.Validate(v, op)
			_, _ = typ.Apply(v, op)
			_, _ = MakeInvertible(op, v)
		}
	}
	for _, op := range ops {
		for _, side := range []ot.Side{ot.Left, ot.Right} {
			marshal(typ.Transform(v, op, side))
			marshal(typ.Transform(op, v, side))
		}
		marshal(typ.Compose(v, op))
		marshal(typ.Compose(op, v))
		marshal(TransformSelection(v, op))
		marshal(TransformSide(op, op, v))
	}
	ropeExercise(t, v)
	_, _ = typ.Create(v)
	marshal(typ.Normalize(v))
	marshal(typ.Invert(v))
	marshal(StripInvertible(v))
	marshal(TransformSelection(3.0, v))
	_, _ = TransformPosition(3, v)
	_, _ = IsInvertible(v)
	_ = IsNoop(v)
	_ = CheckOp(v)
}

func marshal(v any, err error) {
	if err == nil {
		_, _ = ot.Marshal(v)
	}
}
