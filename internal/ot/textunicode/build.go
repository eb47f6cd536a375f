package textunicode

// builder is the reference's makeAppend: it appends components to an op,
// dropping no-ops and merging a component into the last one when both have
// the same JavaScript type.
type builder struct {
	op Op
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
		b.op = append(b.op, c)
		return
	}
	last := &b.op[n-1]
	switch c.k {
	case kSkip:
		last.n += c.n
	case kInsert:
		last.s += c.s
	case kTrue:
		// JavaScript: true + true is the number 2.
		*last = Component{k: kSkip, n: 2}
	case kDelN, kDelS:
		if last.k == kDelS && c.k == kDelS {
			last.s += c.s
		} else {
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
