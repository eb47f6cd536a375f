package richtext

import (
	"fmt"
	"math/rand/v2"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// The generator makes valid (document, op) inputs in the shapes of the
// reference's fuzzer (rich-text test/fuzzer.js): retain 0–5, then a plain
// or formatted word, an embed, a formatting retain (with null removals) or
// a delete, repeated; widened to any Unicode text from oracle.Text. Cuts
// fall only between code points, so no op splits a surrogate pair.

var formats = map[string][]any{
	"color":  {"red", "orange", "yellow", "green", "blue", "purple", nil},
	"font":   {"serif", "sans-serif", "monospace", nil},
	"bold":   {true, nil},
	"italic": {true, nil},
	"size":   {1.0, 2.5, nil},
}

var formatKeys = []string{"bold", "color", "font", "italic", "size"}

// genFormat is generateRandomFormat: each key with probability 1/2, nulls
// only when includeNull. It returns nil for no attributes.
func genFormat(r *rand.Rand, includeNull bool) map[string]any {
	var out map[string]any
	for _, k := range formatKeys {
		if r.IntN(2) == 0 {
			continue
		}
		vals := formats[k]
		v := vals[r.IntN(len(vals))]
		if v == nil && !includeNull {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	return out
}

// genEmbed returns an embed; numeric ones (which the reference fuzzer uses
// but Validate refuses) only when numbers is true.
func genEmbed(r *rand.Rand, numbers bool) any {
	switch r.IntN(5) {
	case 0:
		return map[string]any{"image": "http://quilljs.com/i.png"}
	case 1:
		return map[string]any{"url": "http://quilljs.com"}
	case 2:
		return map[string]any{"formula": "e=mc²"}
	case 3:
		if numbers {
			return float64(1 + r.IntN(2))
		}
		return map[string]any{"video": map[string]any{"src": "v.mp4", "w": 3.0}}
	}
	return map[string]any{"mention": "🤖"}
}

func genText(r *rand.Rand) string { return oracle.Text(r, 1+r.IntN(6)) }

// genDoc returns a document as JSON ops, sometimes with adjacent runs left
// unmerged.
func genDoc(r *rand.Rand, numbers bool) []any {
	b := &builder{}
	var raw []Op
	n := r.IntN(8)
	if r.IntN(40) == 0 {
		n = 100 + r.IntN(400) // spans several chunks
	}
	for range n {
		var o Op
		if r.IntN(5) == 0 {
			o = embedOp(genEmbed(r, numbers))
		} else {
			o = textOp(genText(r))
		}
		o.attrs = genFormat(r, false)
		b.push(o)
		raw = append(raw, o)
	}
	if r.IntN(6) == 0 {
		return opsTree(chunkOps(raw))
	}
	return opsTree(chunkOps(b.flat()))
}

func textOp(s string) Op {
	ops, _ := toOps([]any{map[string]any{"insert": s}})
	return flatten(ops)[0]
}

func embedOp(v any) Op { return Op{kind: kindEmbed, n: 1, embed: v} }

// units lists the UTF-16 widths of a document's code points (embeds are
// 1), so ops can cut only between code points.
func units(doc []any) []int {
	var w []int
	ops, _ := toOps(doc)
	for _, o := range flatten(ops) {
		if o.kind != kindText {
			w = append(w, o.n)
			continue
		}
		for _, c := range o.text {
			if c >= 0x10000 {
				w = append(w, 2)
			} else {
				w = append(w, 1)
			}
		}
	}
	return w
}

// opGen builds one op over a document's code points.
type opGen struct {
	r       *rand.Rand
	w       []int // widths of the code points not yet passed
	b       builder
	raw     bool // append without merging
	numbers bool
}

func (g *opGen) add(o Op) {
	if g.raw {
		g.b.appendRaw(o)
		return
	}
	g.b.push(o)
}

// take passes n code points and returns their UTF-16 length.
func (g *opGen) take(n int) int {
	n = min(n, len(g.w))
	u := 0
	for _, x := range g.w[:n] {
		u += x
	}
	g.w = g.w[n:]
	return u
}

// genOp is generateRandomOp widened: it returns a valid op on doc.
func genOp(r *rand.Rand, doc []any, numbers bool) []any {
	g := &opGen{r: r, w: units(doc), raw: r.IntN(5) == 0, numbers: numbers}
	base := 7
	if len(g.w) > 40 {
		base = 10 // favour deletes on long documents
	}
	if len(g.w) > 20 && r.IntN(3) == 0 {
		// Jump to a random place in a long document.
		if u := g.take(r.IntN(len(g.w))); u > 0 {
			g.add(Op{kind: kindRetain, n: u})
		}
	}
	for {
		if u := g.take(r.IntN(min(len(g.w), 5) + 1)); u > 0 {
			g.add(Op{kind: kindRetain, n: u})
		}
		g.action(r.IntN(base))
		if len(g.w) == 0 || r.IntN(2) == 0 {
			break
		}
	}
	if len(g.w) > 0 && r.IntN(6) == 0 {
		g.add(Op{kind: kindRetain, n: g.take(r.IntN(len(g.w)) + 1)})
	}
	return opsTree(chunkOps(g.b.flat()))
}

func (g *opGen) action(x int) {
	r := g.r
	mod := 1 + r.IntN(4)
	switch x {
	case 0:
		g.add(textOp(genText(r)))
	case 1:
		o := textOp(genText(r))
		o.attrs = genFormat(r, r.IntN(20) == 0)
		g.add(o)
	case 2:
		o := embedOp(genEmbed(r, g.numbers))
		o.attrs = genFormat(r, false)
		g.add(o)
	case 3, 4:
		if u := g.take(mod); u > 0 {
			g.add(Op{kind: kindRetain, n: u, attrs: genFormat(r, true)})
		}
	default:
		if u := g.take(mod); u > 0 {
			g.add(Op{kind: kindDelete, n: u})
		}
	}
}

// positions returns interesting cursor positions for op on a document of
// docLen units: 0, the end, every element boundary in document
// coordinates (insert points and range ends) and their neighbours.
func positions(r *rand.Rand, op []any, docLen int) []int {
	ops, _ := toOps(op)
	pos := []int{0, docLen, r.IntN(docLen + 1)}
	at := 0
	for _, o := range flatten(ops) {
		if !o.isInsert() {
			at += o.n
		}
		pos = append(pos, at, at+1, max(at-1, 0))
	}
	return pos
}

func docLength(doc []any) int {
	n := 0
	for _, w := range units(doc) {
		n += w
	}
	return n
}

// genEdit returns a single-edit op on doc (a plain retain, then one
// insert, embed, delete or format), the shape Transform's and Compose's
// fast paths take. near, when at least 0, places it within two code
// points of that code point index, so that edits collide often. typing
// makes it a plain text insert. It also returns the code point index.
func genEdit(r *rand.Rand, doc []any, near int, typing bool) ([]any, int) {
	w := units(doc)
	pos := r.IntN(len(w) + 1)
	if near >= 0 {
		pos = min(len(w), max(0, near+r.IntN(5)-2))
	}
	at := 0
	for _, x := range w[:pos] {
		at += x
	}
	rest := w[pos:]
	var ops []Op
	if at > 0 {
		ops = append(ops, Op{kind: kindRetain, n: at})
	}
	take := func() int {
		u := 0
		for _, x := range rest[:1+r.IntN(min(len(rest), 4))] {
			u += x
		}
		return u
	}
	x := r.IntN(8)
	switch {
	case typing || len(rest) == 0 || x < 3:
		o := textOp(genText(r))
		if !typing && r.IntN(4) == 0 {
			o.attrs = genFormat(r, false)
		}
		ops = append(ops, o)
	case x == 3:
		ops = append(ops, embedOp(genEmbed(r, false)))
	case x < 6:
		ops = append(ops, Op{kind: kindDelete, n: take()})
	default:
		attrs := genFormat(r, true)
		if attrs == nil {
			attrs = map[string]any{"bold": true}
		}
		ops = append(ops, Op{kind: kindRetain, n: take(), attrs: attrs})
	}
	return opsTree(chunkOps(ops)), pos
}

// genEditCase returns a case of two single edits close together, and an
// edit typed on a's result next to or inside a's change (for compose).
func genEditCase(r *rand.Rand) (c diffCase, typed []any) {
	doc := genDoc(r, false)
	a, at := genEdit(r, doc, -1, false)
	b, _ := genEdit(r, doc, at, false)
	docA, err := New().Apply(doc, a)
	if err != nil {
		panic("genEditCase: " + err.Error()) // a generator bug, not an input
	}
	typed, _ = genEdit(r, docTree(docA), at+r.IntN(3), r.IntN(4) > 0)
	return diffCase{doc: doc, a: a, b: b}, typed
}

func docTree(d any) []any { return d.(*Delta).Tree()["ops"].([]any) }

// fastMatchesGeneral checks the fast paths against the general algorithm:
// transforms of a and b both ways and sides, and compose(a, c), must give
// the same JSON by either route. It returns the first difference, or "".
func fastMatchesGeneral(a, b, c []any) string {
	for _, p := range [][2][]any{{a, b}, {b, a}} {
		for _, side := range []ot.Side{ot.Left, ot.Right} {
			fast, err1 := Transform(p[0], p[1], side)
			x, _ := toOps(p[0])
			y, _ := toOps(p[1])
			gen, err2 := transform(y, x, side == ot.Left)
			if msg := sameJSON("transform", p[0], p[1], fast, gen, err1, err2); msg != "" {
				return msg
			}
		}
	}
	fast, err1 := Compose(a, c)
	x, _ := toOps(a)
	y, _ := toOps(c)
	gen, err2 := compose(x, y)
	return sameJSON("compose", a, c, fast, gen, err1, err2)
}

func sameJSON(fn string, x, y any, fast, gen *Delta, err1, err2 error) string {
	if (err1 == nil) != (err2 == nil) {
		return fmt.Sprintf("%s(%s, %s): fast path error %v, general %v", fn, js(x), js(y), err1, err2)
	}
	if err1 == nil && js(fast) != js(gen) {
		return fmt.Sprintf("%s(%s, %s): fast path %s, general %s", fn, js(x), js(y), js(fast), js(gen))
	}
	return ""
}
