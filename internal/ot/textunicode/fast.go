package textunicode

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
// 32 bytes, where an Op needs a slice header and room for components. It
// encodes (MarshalJSON) as the op it stands for, and every function
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

// composeEdits is compose(x, y) for two single edits where y edits inside
// (or at either end of) x's insert: typing on, or deleting some of what
// was typed. ok is false for every other case. An empty result is
// returned as an edit with an empty insert.
func composeEdits(x, y *edit) (out edit, ok bool) {
	if !x.isInsert() || y.at < x.at {
		return out, false
	}
	s := x.s
	k, past := uniOffset(s, y.at-x.at)
	if past {
		return out, false
	}
	if y.isInsert() {
		return edit{at: x.at, s: s[:k] + y.s + s[k:]}, true
	}
	end, past := uniOffset(s[k:], y.size())
	if past {
		return out, false // the delete reaches past the insert
	}
	return edit{at: x.at, s: s[:k] + s[k+end:]}, true
}

// composeResult returns composeEdits' result as the Type returns it.
func (e edit) composeResult() any {
	if e.s == "" {
		return &Op{}
	}
	r := e // only a result escapes to the heap
	return &r
}

// composeOp returns composeEdits' result as a new result op.
func (e edit) composeOp() *Op {
	if e.s == "" {
		return &Op{}
	}
	return e.op()
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
