package textunicode

import (
	"errors"
	"math"
)

// errTooComplex is returned when lengths are so large or so fractional that
// the reference's loops would stop making progress (it hangs on them).
var errTooComplex = errors.New("text-unicode: op lengths out of range")

// taker is the reference's makeTake: it hands out an op's components in
// pieces of a requested length.
type taker struct {
	op  Op
	idx int
	// off is how far into op[idx] we are: code points (or the numeric
	// length) for skips and deletes, bytes for inserts.
	off    float64
	insOff int
	// cur caches the current delete's text position and curLen its
	// length (curLen < 0: not yet known), so that taking a long delete in
	// many pieces costs linear time.
	cur    cpCursor
	curLen float64
	// budget bounds the number of pieces, so malformed lengths cannot make
	// a loop spin: valid ops need at most one piece per component of either
	// op, plus one.
	budget int
}

func newTaker(op Op, other int) taker {
	return taker{op: op, budget: 4*(len(op)+other) + 64, curLen: -1}
}

// indivisible says which kind of component take never splits.
type indivisible uint8

const (
	splitAll indivisible = iota
	wholeInserts
	wholeDeletes
)

// take returns up to n code points from the front of the op. all takes the
// whole next component (the reference's n === -1); ok is false when all is
// set and the op is exhausted. Past the op's end it returns skips.
func (t *taker) take(n float64, all bool, keep indivisible) (c Component, ok bool, err error) {
	if t.budget--; t.budget < 0 {
		return c, false, errTooComplex
	}
	if t.idx == len(t.op) {
		if all {
			return c, false, nil
		}
		return Component{k: kSkip, n: n}, true, nil
	}
	c = t.op[t.idx]
	switch c.k {
	case kSkip:
		if all || c.n-t.off <= n {
			part := c.n - t.off
			t.next()
			return Component{k: kSkip, n: part}, true, nil
		}
		t.off += n
		return Component{k: kSkip, n: n}, true, nil
	case kInsert:
		rest := c.s[t.insOff:]
		if all || keep == wholeInserts || fitsWithin(rest, n) {
			t.next()
			return Component{k: kInsert, s: rest}, true, nil
		}
		end, _ := uniOffset(rest, n)
		t.insOff += end
		return Component{k: kInsert, s: rest[:end]}, true, nil
	case kDelN, kDelS:
		if t.curLen < 0 {
			t.curLen = dlen(c)
		}
		if all || keep == wholeDeletes || t.curLen-t.off <= n {
			part := dslice(c, t.off, 0, false, &t.cur)
			t.next()
			return part, true, nil
		}
		part := dslice(c, t.off, t.off+n, true, &t.cur)
		t.off += n
		return part, true, nil
	}
	// Booleans and malformed components: the reference reads .d of them
	// and fails on the result.
	return c, false, &jsTypeError{"Cannot read properties of undefined (reading 'length')"}
}

func (t *taker) next() {
	t.idx++
	t.off, t.insOff = 0, 0
	t.cur, t.curLen = cpCursor{}, -1
}

// fitsWithin reports whether s has at most n code points, scanning no
// further than needed.
func fitsWithin(s string, n float64) bool {
	if n >= float64(len(s)) {
		return true
	}
	_, missing := cpOffset(s, int(math.Floor(n))+1)
	return missing > 0
}

// cpCursor remembers a code point offset k and its byte offset b in one
// string, so that walking forward through it costs linear time.
type cpCursor struct{ k, b int }

// pos returns the byte offset of unicount's uniToStrPos(s, x), clamped.
func (c *cpCursor) pos(s string, x float64) int {
	k := steps(x, len(s)+1)
	if k < c.k {
		*c = cpCursor{}
	}
	off, _ := cpOffset(s[c.b:], k-c.k)
	c.k, c.b = k, c.b+off
	return c.b
}

// peekInsert reports whether the next component is an insert.
func (t *taker) peekInsert() bool {
	return t.idx < len(t.op) && t.op[t.idx].k == kInsert
}

// dslice is the reference's dslice: part of a delete, as a new {d:…}.
// cur must be used with c's text only.
func dslice(c Component, start, end float64, hasEnd bool, cur *cpCursor) Component {
	if c.k == kDelS {
		a := cur.pos(c.s, start)
		if !hasEnd {
			return Component{k: kDelS, s: c.s[a:]}
		}
		b := cur.pos(c.s, end)
		if b <= a {
			return Component{k: kDelS}
		}
		return Component{k: kDelS, s: c.s[a:b]}
	}
	if !hasEnd {
		return Component{k: kDelN, n: c.n - start}
	}
	return Component{k: kDelN, n: min(c.n, end) - start}
}
