package textunicode

// result holds an op a function returns together with the components of
// a small one, so that returning it (boxed in an interface as *Op) costs a
// single allocation.
type result struct {
	op  Op
	buf [2]Component
}

// newBuilder returns a builder whose op lives in a fresh result, with room
// for hint components.
func newBuilder(hint int) builder {
	r := &result{}
	// Most results are one or two components; larger ones grow by append.
	if hint <= 2*len(r.buf) {
		r.op = r.buf[:0]
	} else {
		r.op = make(Op, 0, hint)
	}
	return builder{op: r.op, res: r}
}

// done trims the op and returns it as a pointer into its result.
func (b *builder) done() *Op {
	b.flush()
	b.res.op = trim(b.op)
	return &b.res.op
}

// builder is the reference's makeAppend: it appends components to an op,
// dropping no-ops and merging a component into the last one when both have
// the same JavaScript type.
type builder struct {
	op  Op
	res *result
	// pend, when pending, is the true text of the last component, whose s
	// is stale: merging many inserts (or text deletes) appends to pend
	// instead of concatenating strings, so it costs linear time.
	pend    []byte
	pending bool
}

// flush writes pend back into the last component.
func (b *builder) flush() {
	if b.pending {
		b.op[len(b.op)-1].s = string(b.pend)
		b.pend, b.pending = b.pend[:0], false
	}
}

// concat appends text to the last component's string.
func (b *builder) concat(text string) {
	last := &b.op[len(b.op)-1]
	if !b.pending && len(last.s)+len(text) <= 256 {
		last.s += text // short: one allocation, cheaper than the buffer
		return
	}
	if !b.pending {
		b.pend = append(b.pend[:0], last.s...)
		b.pending = true
	}
	b.pend = append(b.pend, text...)
}

// noop reports whether the reference's append ignores c: a falsy value
// (0, NaN, "", false, null) or a delete of 0 or "".
func noop(c Component) bool {
	switch c.k {
	case kSkip:
		return c.n == 0 || c.n != c.n
	case kInsert, kDelS:
		return c.s == ""
	case kFalse, kNull:
		return true
	case kDelN:
		return c.n == 0
	}
	return false
}

func (b *builder) add(c Component) {
	if noop(c) {
		return
	}
	n := len(b.op)
	if n == 0 || b.op[n-1].typeOf() != c.typeOf() {
		b.flush()
		b.op = append(b.op, c)
		return
	}
	last := &b.op[n-1]
	switch c.k {
	case kSkip:
		last.n += c.n
	case kInsert:
		b.concat(c.s)
	case kTrue:
		// JavaScript: true + true is the number 2.
		*last = Component{k: kSkip, n: 2}
	case kDelN, kDelS:
		if last.k == kDelS && c.k == kDelS {
			b.concat(c.s)
		} else {
			b.flush()
			last.n = dlen(*last) + dlen(c)
			last.k, last.s = kDelN, ""
		}
	}
}

// trim is the reference's trim: it drops one trailing skip.
func trim(op Op) Op {
	if n := len(op); n > 0 && op[n-1].k == kSkip {
		return op[:n-1]
	}
	return op
}
