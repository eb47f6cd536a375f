package richtext

import (
	"unicode/utf8"

	"github.com/weftdev/weft/internal/ot"
)

// Fast paths for the shape nearly every op has: a plain retain (or
// nothing) followed by one element, such as [{retain:5},{insert:"x"}],
// [{retain:5},{delete:2}] or [{retain:5},{retain:4,attributes:{bold:true}}].
// Transform of two such ops, and compose of two plain inserts that type
// on, are computed directly instead of walking quill-delta's iterators,
// and give exactly what that walk gives (shape included): each case below
// is the walk's result worked out for that shape, and the fuzz targets and
// the differential test check the two against each other and against the
// reference. Every other case falls back to the general algorithm.

// edit is an op of the shape [{retain: at}, e], or [e] when at is 0: e is
// an insert (text or embed, any attributes), a delete, or a retain with
// non-empty attributes, and every length is at least 1.
type edit struct {
	at int
	e  Op
}

// editOf reports whether v (an op as Transform and Compose accept it) has
// the single-edit shape, and returns it. It allocates nothing.
func editOf(v any) (ed edit, ok bool) {
	var list []any
	switch x := v.(type) {
	case *Delta:
		if x == nil || len(x.chunks) != 1 {
			return ed, false
		}
		ops := x.chunks[0].ops
		switch len(ops) {
		case 1:
		case 2:
			r := &ops[0]
			if r.kind != kindRetain || r.attrs != nil || r.n < 1 {
				return ed, false
			}
			ed.at = r.n
		default:
			return ed, false
		}
		ed.e = ops[len(ops)-1]
		return ed, ed.valid()
	case []any:
		list = x
	case map[string]any:
		list, _ = x["ops"].([]any)
	}
	switch len(list) {
	case 1:
	case 2:
		// The leading plain retain, read without building an element.
		m, isMap := list[0].(map[string]any)
		if !isMap || len(m) != 1 {
			return ed, false
		}
		if ed.at, ok = toLength(m["retain"]); !ok || ed.at < 1 {
			return ed, false
		}
	default:
		return ed, false
	}
	if !parseElem(list[len(list)-1], &ed.e) {
		return ed, false // the general path parses it (and reports errors)
	}
	return ed, ed.valid()
}

// appendTo appends ed's elements to ops.
func (ed *edit) appendTo(ops []Op) []Op {
	if ed.at > 0 {
		ops = append(ops, Op{kind: kindRetain, n: ed.at})
	}
	return append(ops, ed.e)
}

// parseElem is parseOp for the elements that end single edits, writing
// into o; false means "not this shape", not an error.
func parseElem(v any, o *Op) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	if len(m) == 1 {
		if val, ok := m["insert"].(string); ok {
			if !utf8.ValidString(val) {
				return false
			}
			o.kind, o.text, o.n = kindText, val, ot.UTF16Len(val)
			return true
		}
		if val, ok := m["delete"]; ok {
			o.kind = kindDelete
			o.n, ok = toLength(val)
			return ok
		}
	}
	p, err := parseOp(v, 0)
	*o = p
	return err == nil
}

// valid reports whether ed's element fits the single-edit shape: a length
// of at least 1, a truthy insert, a retain with attributes. (editOf checks
// the leading retain.)
func (ed *edit) valid() bool {
	if ed.e.n < 1 {
		return false
	}
	switch ed.e.kind {
	case kindText, kindEmbed:
		return ed.e.insertTruthy()
	case kindDelete:
		return true
	}
	return len(ed.e.attrs) > 0
}

// result collects a fast path's elements: at most four.
type result struct {
	ops [4]Op
	n   int
}

// retain adds a plain retain of n (nothing for 0).
func (r *result) retain(n int) {
	if n > 0 {
		r.add(Op{kind: kindRetain, n: n})
	}
}

func (r *result) add(o Op) {
	r.ops[r.n] = o
	r.n++
}

func (r *result) delta() *Delta { return smallDelta(r.ops[:r.n]) }

// part returns the first n units (or, with rest, all but the first n) of
// a delete or a retain.
func part(o Op, n int) Op {
	o.n = n
	return o
}

// transformEdits is transform(this=y, other=x, priority): x rewritten to
// apply after y. ok is false when the case is not one the fast path
// takes.
func transformEdits(x, y *edit, priority bool) (out result, ok bool) {
	a, b := x.at, y.at
	xe, xn, yn := x.e, x.e.n, y.e.n
	xIns := xe.isInsert()
	switch y.e.kind {
	case kindText, kindEmbed:
		switch {
		case xIns && (b < a || (b == a && priority)):
			// y's insert comes first (on a tie: y has priority).
			out.retain(a + yn)
		case xIns:
			out.retain(a)
		case b <= a:
			out.retain(a + yn)
		case a+xn <= b:
			out.retain(a)
		default:
			// y inserts inside x's delete or format: x is cut in two.
			out.retain(a)
			out.add(part(xe, b-a))
			out.retain(yn)
			xe = part(xe, xn-(b-a))
		}
	case kindDelete:
		switch {
		case xIns && a <= b, !xIns && a+xn <= b:
			out.retain(a)
		case xIns:
			out.retain(max(b, a-yn))
		case b+yn <= a:
			out.retain(a - yn)
		default:
			return out, false // overlapping deletes or delete and format
		}
	default: // y formats
		overlap := xe.kind == kindRetain && a < b+yn && b < a+xn
		if overlap && priority {
			return out, false // y's attributes win over x's: keys are dropped
		}
		// Formatting moves nothing, and without priority x's attributes
		// stay as they are.
		out.retain(a)
	}
	out.add(xe)
	return out, true
}

// composeEdits is compose(x, y) for two plain text inserts where y types
// inside (or at either end of) x's insert. ok is false for every other
// case, and when the cut would split a surrogate pair.
func composeEdits(x, y *edit) (out result, ok bool) {
	if x.e.kind != kindText || y.e.kind != kindText || x.e.attrs != nil || y.e.attrs != nil {
		return out, false
	}
	k := y.at - x.at
	if k < 0 || k > x.e.n {
		return out, false
	}
	t := x.e.text
	cut, whole := advanceUTF16(t, 0, k)
	if !whole {
		return out, false
	}
	out.retain(x.at)
	out.add(Op{kind: kindText, n: x.e.n + y.e.n, text: t[:cut] + y.e.text + t[cut:]})
	return out, true
}
