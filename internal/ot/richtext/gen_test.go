package richtext

import (
	"math/rand/v2"

	"github.com/weftdev/weft/internal/oracle"
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
