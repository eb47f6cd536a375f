package textunicode

// Fast paths for the shape nearly every op has: one insert or one delete,
// after an optional skip ([5,"x"], [{"d":2}], [12,{"d":"ab"}]). Transform
// and compose of two such ops are computed directly instead of walking the
// general algorithm, and give exactly what it gives (shape included): each
// case below is the general algorithm's result worked out for that shape,
// and the fuzz targets and the differential test check the two against
// each other and against the reference. Any other case (overlapping
// deletes, edits far apart in compose, fractional or huge lengths, delete
// objects with extra keys) falls back to the general algorithm.

// maxExact bounds the lengths the fast paths take: above 2^53 float64
// arithmetic stops being exact, and the general algorithm handles those.
const maxExact = 1 << 53

// edit is an op of the shape [at, c] (or [c] when at is 0), where c is a
// non-empty insert or delete with no extra keys and at is a whole number.
type edit struct {
	at float64
	c  Component
}

// isCount reports whether n is a whole length the fast paths handle.
func isCount(n float64) bool { return n >= 1 && n < maxExact && n == float64(int64(n)) }

// asEdit reports whether op has the single-edit shape, and returns it.
// Such an op passes check.
func asEdit(op Op) (edit, bool) {
	var e edit
	switch len(op) {
	case 1:
		e.c = op[0]
	case 2:
		if op[0].k != kSkip || !isCount(op[0].n) {
			return e, false
		}
		e.at, e.c = op[0].n, op[1]
	default:
		return e, false
	}
	if e.c.extra != nil {
		return e, false
	}
	switch e.c.k {
	case kInsert, kDelS:
		return e, e.c.s != ""
	case kDelN:
		return e, isCount(e.c.n)
	}
	return e, false
}

// size is how many code points of the document c covers (deletes) or adds
// (inserts).
func (c Component) size() float64 {
	if c.k == kDelN {
		return c.n
	}
	return float64(cpCount(c.s))
}

// op returns e as a new result op.
func (e edit) op() *Op {
	r := &result{}
	if e.at == 0 {
		r.buf[0] = e.c
		r.op = r.buf[:1]
	} else {
		r.buf[0] = Component{k: kSkip, n: e.at}
		r.buf[1] = e.c
		r.op = r.buf[:2]
	}
	return &r.op
}

// transformEdits is transform(x, y, left) for two single edits. same is
// true when the result equals x; ok is false when the case is not one the
// fast path takes.
func transformEdits(x, y edit, left bool) (out edit, same, ok bool) {
	a, b := x.at, y.at
	if y.c.k == kInsert {
		n := float64(cpCount(y.c.s))
		switch {
		case x.c.k == kInsert:
			// At the same point the left op's insert goes first.
			if b < a || (b == a && !left) {
				return edit{a + n, x.c}, false, true
			}
			return x, true, true
		case b <= a:
			return edit{a + n, x.c}, false, true
		case a+x.c.size() <= b:
			return x, true, true
		}
		return out, false, false // y inserts inside x's delete
	}
	yl := y.c.size()
	switch {
	case x.c.k == kInsert:
		if a <= b {
			return x, true, true
		}
		return edit{max(b, a-yl), x.c}, false, true
	case a+x.c.size() <= b:
		return x, true, true
	case b+yl <= a:
		return edit{a - yl, x.c}, false, true
	}
	return out, false, false // overlapping deletes
}

// composeEdits is compose(x, y) for two single edits where y edits inside
// (or at either end of) x's insert: typing on, or deleting some of what
// was typed. ok is false for every other case. An empty result is
// returned as an edit with an empty insert.
func composeEdits(x, y edit) (out edit, ok bool) {
	if x.c.k != kInsert || y.at < x.at {
		return out, false
	}
	s := x.c.s
	k, past := uniOffset(s, y.at-x.at)
	if past {
		return out, false
	}
	switch y.c.k {
	case kInsert:
		return edit{x.at, Insert(s[:k] + y.c.s + s[k:])}, true
	case kDelN, kDelS:
		end, past := uniOffset(s[k:], y.c.size())
		if past {
			return out, false // the delete reaches past the insert
		}
		return edit{x.at, Insert(s[:k] + s[k+end:])}, true
	}
	return out, false
}

// composeOp returns composeEdits' result as a new result op.
func (e edit) composeOp() *Op {
	if e.c.s == "" {
		r := &result{}
		r.op = r.buf[:0]
		return &r.op
	}
	return e.op()
}
