package json0

import (
	"math/rand/v2"
	"strings"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// The generators below port the reference's test/json0-generator.coffee
// and test/text0-generator.coffee, with text drawn from oracle.Text (ASCII,
// accented, CJK, astral, ZWJ sequences, newlines) and string offsets chosen
// on code-point boundaries so that no op splits a surrogate pair.

// stringForm says how the generator writes string edits.
type stringForm int

const (
	formLegacy  stringForm = iota // si / sd
	formSubtype                   // t: "text0"
	formMixed                     // either, per component
)

type gen struct {
	r    *rand.Rand
	form stringForm
}

// word returns random text. Cases that mix the string forms stay in the
// Basic Multilingual Plane: the reference's mixed-form divergence moves
// offsets, and with astral characters it then cuts surrogate pairs, which
// Weft refuses (see the package documentation).
func (g *gen) word() string {
	w := oracle.Text(g.r, 1+g.r.IntN(5))
	if g.form != formMixed {
		return w
	}
	return strings.Map(func(r rune) rune {
		if r >= 0x10000 {
			return 'X'
		}
		return r
	}, w)
}

// coffeeCount is how many times CoffeeScript's `for [1..n]` runs.
func coffeeCount(n int) int {
	if n == 0 {
		return 2
	}
	return n
}

func (g *gen) thing() any {
	switch g.r.IntN(6) {
	case 0:
		return nil
	case 1:
		return ""
	case 2:
		return g.word()
	case 3:
		obj := map[string]any{}
		for range coffeeCount(g.r.IntN(5)) {
			obj[g.newKey(obj)] = g.thing()
		}
		return obj
	case 4:
		var list []any
		for range coffeeCount(g.r.IntN(5)) {
			list = append(list, g.thing())
		}
		return list
	}
	return float64(g.r.IntN(50))
}

func (g *gen) newKey(obj map[string]any) string {
	for {
		k := g.word()
		if _, ok := obj[k]; !ok && !protoNames[k] {
			return k
		}
	}
}

func (g *gen) randomKey(v any) (any, bool) {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return nil, false
		}
		return float64(g.r.IntN(len(x))), true
	case map[string]any:
		var out any
		count := 0
		for k := range x {
			count++
			if g.r.Float64() < 1/float64(count) {
				out = k
			}
		}
		return out, out != nil
	}
	return nil, false
}

func (g *gen) randomPath(data any) []any {
	path := []any{}
	for g.r.Float64() > 0.85 {
		switch data.(type) {
		case []any, map[string]any:
		default:
			return path
		}
		k, ok := g.randomKey(data)
		if !ok {
			break
		}
		path = append(path, k)
		data, _ = get(data, k)
	}
	return path
}

// update replaces the value at path in root with f's result.
func update(root any, path []any, f func(any) any) any {
	if len(path) == 0 {
		return f(root)
	}
	switch x := root.(type) {
	case map[string]any:
		k := path[0].(string)
		x[k] = update(x[k], path[1:], f)
	case []any:
		i := int(path[0].(float64))
		x[i] = update(x[i], path[1:], f)
	}
	return root
}

func valueAt(root any, path []any) any {
	for _, k := range path {
		root, _ = get(root, k)
	}
	return root
}

func clonePath(p []any) []any { return append([]any(nil), p...) }

// jsonOp returns a random op valid on data and the document after it.
func (g *gen) jsonOp(data any) ([]any, any) {
	pct := 0.95
	doc := cloneJSON(data)
	op := []any{}
	for g.r.Float64() < pct {
		pct *= 0.6
		path := g.randomPath(doc)
		var c map[string]any
		c, doc = g.jsonComponent(doc, path)
		op = append(op, c)
	}
	return op, doc
}

func (g *gen) jsonComponent(doc any, path []any) (map[string]any, any) {
	operand := valueAt(doc, path)
	var parent any
	if len(path) > 0 {
		parent = valueAt(doc, path[:len(path)-1])
	}
	parentList, inList := parent.([]any)
	if g.r.Float64() < 0.4 && len(path) > 0 && inList {
		to := g.r.IntN(len(parentList))
		from := int(path[len(path)-1].(float64))
		doc = update(doc, path[:len(path)-1], func(v any) any {
			l := v.([]any)
			e := l[from]
			l = append(append([]any(nil), l[:from]...), l[from+1:]...)
			return append(l[:to], append([]any{e}, l[to:]...)...)
		})
		return map[string]any{"p": path, "lm": float64(to)}, doc
	}
	if g.r.Float64() < 0.3 || operand == nil {
		nv := g.thing()
		doc = update(doc, path, func(any) any { return nv })
		if inList {
			return map[string]any{"p": path, "ld": operand, "li": cloneJSON(nv)}, doc
		}
		return map[string]any{"p": path, "od": operand, "oi": cloneJSON(nv)}, doc
	}
	switch x := operand.(type) {
	case string:
		return g.stringComponent(doc, path, x)
	case float64:
		inc := float64(g.r.IntN(10) - 3)
		doc = update(doc, path, func(v any) any { return v.(float64) + inc })
		return map[string]any{"p": path, "na": inc}, doc
	case []any:
		return g.listComponent(doc, path, x)
	case map[string]any:
		return g.objectComponent(doc, path, x)
	}
	return map[string]any{"p": path, "od": operand, "oi": nil}, update(doc, path, func(any) any { return nil })
}

func (g *gen) listComponent(doc any, path []any, list []any) (map[string]any, any) {
	if g.r.Float64() > 0.5 || len(list) == 0 {
		pos := g.r.IntN(len(list) + 1)
		obj := g.thing()
		doc = update(doc, path, func(v any) any {
			l := v.([]any)
			return append(append(append([]any(nil), l[:pos]...), obj), l[pos:]...)
		})
		return map[string]any{"p": append(clonePath(path), float64(pos)), "li": cloneJSON(obj)}, doc
	}
	pos := g.r.IntN(len(list))
	obj := list[pos]
	doc = update(doc, path, func(v any) any {
		l := v.([]any)
		return append(append([]any(nil), l[:pos]...), l[pos+1:]...)
	})
	return map[string]any{"p": append(clonePath(path), float64(pos)), "ld": cloneJSON(obj)}, doc
}

func (g *gen) objectComponent(doc any, path []any, obj map[string]any) (map[string]any, any) {
	k, ok := g.randomKey(obj)
	if g.r.Float64() > 0.5 || !ok {
		nk := g.newKey(obj)
		v := g.thing()
		obj[nk] = v
		return map[string]any{"p": append(clonePath(path), nk), "oi": cloneJSON(v)}, doc
	}
	v := obj[k.(string)]
	delete(obj, k.(string))
	return map[string]any{"p": append(clonePath(path), k), "od": cloneJSON(v)}, doc
}

// runeOffsets returns the UTF-16 offset of every code-point boundary of s.
func runeOffsets(s string) []int {
	offs := make([]int, 0, len(s)+1)
	n := 0
	for _, r := range s {
		offs = append(offs, n)
		n += utf16Width(r)
	}
	return append(offs, n)
}

func utf16Width(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func (g *gen) stringComponent(doc any, path []any, s string) (map[string]any, any) {
	runes := []rune(s)
	var c map[string]any
	var next string
	if g.r.Float64() > 0.5 || len(runes) == 0 {
		pos := g.r.IntN(len(runes) + 1)
		str := g.word() + " "
		next = string(runes[:pos]) + str + string(runes[pos:])
		c = map[string]any{"p": append(clonePath(path), float64(ot.UTF16Len(string(runes[:pos])))), "si": str}
	} else {
		pos := g.r.IntN(len(runes))
		n := min(g.r.IntN(4), len(runes)-pos)
		next = string(runes[:pos]) + string(runes[pos+n:])
		c = map[string]any{"p": append(clonePath(path), float64(ot.UTF16Len(string(runes[:pos])))), "sd": string(runes[pos : pos+n])}
	}
	doc = update(doc, path, func(any) any { return next })
	if g.form == formSubtype || (g.form == formMixed && g.r.IntN(2) == 0) {
		p := c["p"].([]any)
		sub := map[string]any{"p": p[len(p)-1]}
		if si, ok := c["si"]; ok {
			sub["i"] = si
		} else {
			sub["d"] = c["sd"]
		}
		c = map[string]any{"p": p[:len(p)-1], "t": "text0", "o": []any{sub}}
	}
	return c, doc
}

// textOp ports text0-generator.coffee: a random text0 op on s.
func (g *gen) textOp(s string) ([]any, string) {
	pct := 0.9
	op := []any{}
	for g.r.Float64() < pct {
		pct /= 2
		runes := []rune(s)
		if g.r.Float64() > 0.5 {
			pos := int(g.r.Float64() * float64(len(runes)+1))
			str := g.word() + " "
			op, _ = textAppend(op, map[string]any{"i": str, "p": float64(ot.UTF16Len(string(runes[:pos])))})
			s = string(runes[:pos]) + str + string(runes[pos:])
			continue
		}
		pos := int(g.r.Float64() * float64(len(runes)))
		n := min(int(g.r.Float64()*4), len(runes)-pos)
		op, _ = textAppend(op, map[string]any{"d": string(runes[pos : pos+n]), "p": float64(ot.UTF16Len(string(runes[:pos])))})
		s = string(runes[:pos]) + string(runes[pos+n:])
	}
	return op, s
}

// doc returns a random starting document, evolved by a few random ops.
func (g *gen) doc() any {
	d := map[string]any{}
	for range 1 + g.r.IntN(4) {
		d[g.newKey(d)] = g.thing()
	}
	var doc any = d
	if g.r.IntN(8) == 0 {
		doc = g.thing()
	}
	if g.r.IntN(2) == 0 {
		_, doc = g.jsonOp(doc)
	}
	return doc
}
