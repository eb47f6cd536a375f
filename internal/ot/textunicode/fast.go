package textunicode

import "unsafe"

// Fast paths for the shape nearly every op has: one insert or one delete,
// after an optional skip ([5,"x"], [{"d":2}], [12,{"d":"ab"}]). Apply,
// transform and compose of such ops are computed directly instead of
// walking the general algorithm, and give exactly what it gives (shape
// included): each case below is the general algorithm's result worked out
// for that shape, and the fuzz targets and the differential test check the
// two against each other and against the reference. Any other case
// (overlapping deletes, edits far apart in compose, fractional or huge
// lengths, delete objects with extra keys) falls back to the general
// algorithm.

// maxExact bounds the lengths the fast paths take: above 2^53 float64
// arithmetic stops being exact, and the general algorithm handles those.
const maxExact = 1 << 53

// edit is an op of the shape [at, change] (or [change] when at is 0): a
// whole skip, then one non-empty insert or delete with no extra keys. The
// change is encoded in two fields to keep the value small:
//
//	insert s:       del == 0,  s is the text
//	{"d": n}:       del == n,  s == ""
//	{"d": "text"}:  del == -1, s is the text
//
// The Type's methods return fast-path results as *edit: one allocation of
// 32 bytes (48 for a short compose result, its text included: see
// inlineEdit), where an Op needs a slice header and room for components.
// It encodes (MarshalJSON) as the op it stands for, and every function
// accepts it wherever it accepts an op.
type edit struct {
	at  float64
	del float64
	s   string
}

const delText = -1 // edit.del of a {"d": "text"} delete

// isCount reports whether n is a whole length the fast paths handle.
func isCount(n float64) bool { return n >= 1 && n < maxExact && n == float64(int64(n)) }

func (e *edit) isInsert() bool { return e.del == 0 }

// size is how many code points the change covers (deletes) or adds
// (inserts).
func (e *edit) size() float64 {
	if e.del > 0 {
		return e.del
	}
	return float64(cpCount(e.s))
}

// change returns the change as a Component.
func (e *edit) change() Component {
	switch {
	case e.del == 0:
		return Component{k: kInsert, s: e.s}
	case e.del > 0:
		return Component{k: kDelN, n: e.del}
	}
	return Component{k: kDelS, s: e.s}
}

// asEdit reports whether op has the single-edit shape, and returns it.
// Such an op passes check.
func asEdit(op Op) (e edit, ok bool) {
	var c *Component
	switch len(op) {
	case 1:
		c = &op[0]
	case 2:
		if op[0].k != kSkip || !isCount(op[0].n) {
			return e, false
		}
		e.at, c = op[0].n, &op[1]
	default:
		return e, false
	}
	if c.extra != nil {
		return e, false
	}
	switch c.k {
	case kInsert:
		e.s = c.s
		return e, c.s != ""
	case kDelS:
		e.del, e.s = delText, c.s
		return e, c.s != ""
	case kDelN:
		e.del = c.n
		return e, isCount(c.n)
	}
	return e, false
}

// treeEdit is asEdit for a JSON tree such as [5,"x"] or [{"d":2}].
func treeEdit(x []any) (e edit, ok bool) {
	var last any
	switch len(x) {
	case 1:
		last = x[0]
	case 2:
		n, ok := x[0].(float64)
		if !ok || !isCount(n) {
			return e, false
		}
		e.at, last = n, x[1]
	default:
		return e, false
	}
	switch c := last.(type) {
	case string:
		e.s = c
		return e, c != ""
	case map[string]any:
		if len(c) != 1 {
			return e, false
		}
		switch d := c["d"].(type) {
		case float64:
			e.del = d
			return e, isCount(d)
		case string:
			e.del, e.s = delText, d
			return e, d != ""
		}
	}
	return e, false
}

// editOf reports whether v, an op in any form the Type's methods accept,
// has the single-edit shape, and returns it without allocating.
func editOf(v any) (edit, bool) {
	switch x := v.(type) {
	case *edit:
		if x != nil {
			return *x, true
		}
	case Op:
		return asEdit(x)
	case *Op:
		if x != nil {
			return asEdit(*x)
		}
	case []any:
		return treeEdit(x)
	}
	return edit{}, false
}

// appendTo appends e's components to op.
func (e *edit) appendTo(op Op) Op {
	if e.at != 0 {
		op = append(op, Component{k: kSkip, n: e.at})
	}
	return append(op, e.change())
}

// op returns e as a new result op.
func (e edit) op() *Op {
	r := &result{}
	r.op = e.appendTo(r.buf[:0])
	return &r.op
}

// MarshalJSON encodes e as the reference's JSON of the op.
func (e *edit) MarshalJSON() ([]byte, error) {
	var buf [2]Component
	return Op(e.appendTo(buf[:0])).MarshalJSON()
}

// String returns the op's JSON.
func (e *edit) String() string {
	var buf [2]Component
	return Op(e.appendTo(buf[:0])).String()
}

// transformEdits is transform(x, y, left) for two single edits. same is
// true when the result equals x; ok is false when the case is not one the
// fast path takes.
func transformEdits(x, y *edit, left bool) (out edit, same, ok bool) {
	a, b := x.at, y.at
	if y.isInsert() {
		n := float64(cpCount(y.s))
		switch {
		case x.isInsert():
			// At the same point the left op's insert goes first.
			if b < a || (b == a && !left) {
				return edit{a + n, x.del, x.s}, false, true
			}
			return *x, true, true
		case b <= a:
			return edit{a + n, x.del, x.s}, false, true
		case a+x.size() <= b:
			return *x, true, true
		}
		return out, false, false // y inserts inside x's delete
	}
	yl := y.size()
	switch {
	case x.isInsert():
		if a <= b {
			return *x, true, true
		}
		return edit{max(b, a-yl), x.del, x.s}, false, true
	case a+x.size() <= b:
		return *x, true, true
	case b+yl <= a:
		return edit{a - yl, x.del, x.s}, false, true
	}
	return out, false, false // overlapping deletes
}

// splice is a compose result: the insert of head+mid+tail at code point
// at, where head and tail are the ends of the first op's insert kept
// around the second op's change (mid is its insert, or "" for a delete). Keeping
// the three pieces apart lets each caller build the text into memory of
// its choosing, copying the bytes once.
type splice struct {
	at              float64
	head, mid, tail string
}

// len is the result text's length in bytes.
func (sp *splice) len() int { return len(sp.head) + len(sp.mid) + len(sp.tail) }

// composeEdits is compose(x, y) for two single edits where y edits inside
// (or at either end of) x's insert: typing on, or deleting some of what
// was typed. ok is false for every other case. The result may be empty
// (y deletes all of x's insert).
func composeEdits(x, y *edit) (sp splice, ok bool) {
	if !x.isInsert() || y.at < x.at {
		return sp, false
	}
	s := x.s
	k, past := uniOffset(s, y.at-x.at)
	if past {
		return sp, false
	}
	if y.isInsert() {
		return splice{at: x.at, head: s[:k], mid: y.s, tail: s[k:]}, true
	}
	end, past := uniOffset(s[k:], y.size())
	if past {
		return sp, false // the delete reaches past the insert
	}
	return splice{at: x.at, head: s[:k], tail: s[k+end:]}, true
}

// edit returns the result as an edit (with an empty insert when the
// result is empty), its text in a new string.
func (sp *splice) edit() edit { return edit{at: sp.at, s: sp.head + sp.mid + sp.tail} }

// inlineCap is the longest compose result text an inlineEdit holds: the
// edit's 32 bytes and the text's 16 fill a 48-byte allocation size class.
const inlineCap = 16

// inlineEdit is an edit whose text lives in the same allocation, so that
// a compose result costs one allocation instead of two (the text, then
// the edit). edit.s is made with unsafe.String over text, which is safe
// because:
//   - text is written only in composeResult, before edit.s is made, and
//     nothing writes to an edit once it is returned: the string's bytes
//     never change, as a Go string's must not;
//   - a pointer into an object keeps the whole object alive, so the
//     string stays valid when the *edit is dropped or the edit copied.
type inlineEdit struct {
	edit
	text [inlineCap]byte
}

// composeResult returns composeEdits' result as the Type returns it: an
// empty *Op, or a *edit allocated once with its text when that is short.
func (sp *splice) composeResult() any {
	n := sp.len()
	switch {
	case n == 0:
		return &Op{}
	case n > inlineCap:
		e := sp.edit() // the text's allocation, then the edit's
		return &e
	}
	r := &inlineEdit{edit: edit{at: sp.at}}
	t := r.text[:n]
	k := copy(t, sp.head)
	k += copy(t[k:], sp.mid)
	copy(t[k:], sp.tail)
	r.s = unsafe.String(&t[0], n)
	return &r.edit
}

// composeOp returns composeEdits' result as a new result op.
func (sp *splice) composeOp() *Op {
	if sp.len() == 0 {
		return &Op{}
	}
	return sp.edit().op()
}

// applyEdit is apply for a single edit: the document is copied once, into
// a string of the exact size.
func applyEdit(s string, e *edit) (string, error) {
	p, past := uniOffset(s, e.at)
	if past {
		return "", errTooLong
	}
	if e.isInsert() {
		return s[:p] + e.s + s[p:], nil
	}
	n, _ := uniOffset(s[p:], e.size())
	return s[:p] + s[p+n:], nil
}
