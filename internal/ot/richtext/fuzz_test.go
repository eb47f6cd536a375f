package richtext

import (
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

func fuzzSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("hello world"))
	f.Add([]byte("😀🤖👻 emoji é中\n"))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08})
}

// FuzzTransform checks TP1 on a generated document and two concurrent
// ops, with the naive model computing both sides' documents, and that the
// fast paths agree with the general algorithm.
func FuzzTransform(f *testing.F) {
	fuzzSeeds(f)
	typ := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newFuzzRand(data)
		c := genCase(r)
		doc, err := modelDoc(c.doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, side := range []ot.Side{ot.Left, ot.Right} {
			aT, err1 := typ.Transform(c.a, c.b, side)
			bT, err2 := typ.Transform(c.b, c.a, 1-side)
			if err1 != nil || err2 != nil {
				t.Fatalf("transform: %v %v", err1, err2)
			}
			da, err1 := modelApply(doc, c.a)
			db, err2 := modelApply(doc, c.b)
			dab, err3 := modelApply(da, bT)
			dba, err4 := modelApply(db, aT)
			if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
				t.Fatalf("model apply: %v %v %v %v", err1, err2, err3, err4)
			}
			if !modelEqual(dab, dba) {
				t.Fatalf("TP1 fails (a side %v): doc %s a %s b %s", side, js(c.doc), js(c.a), js(c.b))
			}
		}
		typed := c.typed
		if typed == nil {
			typed = c.b
		}
		if msg := fastMatchesGeneral(c.a, c.b, typed); msg != "" {
			t.Fatal(msg)
		}
	})
}

// FuzzCompose checks apply(apply(s, a), b) == apply(s, compose(a, b)), and
// that Apply agrees with the model; for single edits, that the fast paths
// agree with the general algorithm.
func FuzzCompose(f *testing.F) {
	fuzzSeeds(f)
	typ := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newFuzzRand(data)
		numbers := r.IntN(10) == 0
		var s, a, b []any
		if r.IntN(3) == 0 {
			// Single edits, composed as typing does (the fast path).
			c, typed := genEditCase(r)
			s, a, b, numbers = c.doc, c.a, typed, false
			if msg := fastMatchesGeneral(a, c.b, b); msg != "" {
				t.Fatal(msg)
			}
		} else {
			s = genDoc(r, numbers)
			a = genOp(r, s, numbers)
		}
		sa, err := typ.Apply(s, a)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			b = genOp(r, tree(sa).(map[string]any)["ops"].([]any), numbers)
		}
		before := js(sa)
		sab, err1 := typ.Apply(sa, b)
		if after := js(sa); after != before {
			// Type is ot.Persistent: Apply must leave its snapshot as it was.
			t.Fatalf("apply changed its snapshot: %s became %s (op %s)", before, after, js(b))
		}
		ab, err2 := typ.Compose(a, b)
		if err1 != nil || err2 != nil {
			t.Fatalf("apply/compose: %v %v", err1, err2)
		}
		viaCompose, err := typ.Apply(s, ab)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := modelDoc(s)
		m, err1 = modelApply(m, a)
		m, err2 = modelApply(m, b)
		got, err3 := modelDoc(sab)
		got2, err4 := modelDoc(viaCompose)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Fatalf("model: %v %v %v %v", err1, err2, err3, err4)
		}
		if !modelEqual(m, got) || !modelEqual(m, got2) {
			t.Fatalf("compose/apply disagree: s %s a %s b %s", js(s), js(a), js(b))
		}
	})
}

// FuzzNoPanic feeds arbitrary JSON to every function. Nothing may panic,
// and an op Validate accepts must apply.
func FuzzNoPanic(f *testing.F) {
	for _, s := range []string{
		`[]`, `{"ops":[]}`, `[{"insert":"😀"},{"retain":1}]`,
		`[[{"insert":"a😀b"}],[{"retain":2},{"insert":"x"}]]`,
		`[[{"insert":"ab"}],[{"retain":0},{"delete":-1},{"insert":null}]]`,
		`[{"ops":[{"insert":{"image":"x"},"attributes":{"bold":true}}]},{"ops":[{"retain":1,"attributes":{"bold":null}}]}]`,
		`[{"index":1,"length":2},[{"delete":1e300}]]`, `"abc"`, `null`, `[{"foo":1}]`,
	} {
		f.Add([]byte(s))
	}
	typ := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ot.Decode(data)
		if err != nil {
			return
		}
		x, y := v, v
		if l, ok := v.([]any); ok && len(l) >= 2 {
			x, y = l[0], l[1]
		}
		exercise(t, typ, x, y)
		exercise(t, typ, y, x)
	})
}

func exercise(t *testing.T, typ Type, x, y any) {
	results := []any{}
	keep := func(v any, _ error) { results = append(results, v) }
	keep(typ.Create(x))
	keep(typ.Apply(x, y))
	keep(typ.Compose(x, y))
	keep(typ.Transform(x, y, ot.Left))
	keep(typ.Transform(x, y, ot.Right))
	keep(typ.Normalize(x))
	keep(typ.TransformPresence(x, y, true))
	keep(TransformCursor(3, y, false))
	keep(TransformPosition(0, y, true))
	keep(Invert(x, y))
	keep(Serialize(x))
	keep(Deserialize(y))
	for _, r := range results {
		_, _ = ot.Marshal(r)
	}
	if err := typ.Validate(x, y); err == nil {
		if _, err := typ.Apply(x, y); err != nil {
			t.Fatalf("Validate accepted %s on %s but Apply failed: %v", js(y), js(x), err)
		}
	}
}
