package json0

import "github.com/weftdev/weft/internal/ot"

// vsListMove transforms c over a list move otherC.
func (x *xform) vsListMove(dest []any) ([]any, bool, error) {
	c := x.c
	switch {
	case has(c, "lm") && x.cpl == x.otherL:
		return dest, x.moveVsMove(), nil
	case has(c, "li") && !has(c, "ld") && x.commonOp:
		from, to, p := x.op(), x.other["lm"], x.cp()
		if less(from, p) {
			x.incCP(-1)
		}
		if less(to, p) {
			x.incCP(1)
		}
	default:
		// Components that care where their element went: follow it.
		from, to, p := x.op(), x.other["lm"], x.cp()
		if strictEq(p, from) {
			x.setCP(to)
			return dest, false, nil
		}
		if less(from, p) {
			x.incCP(-1)
		}
		if less(to, p) {
			x.incCP(1)
		} else if strictEq(p, to) && less(to, from) {
			x.incCP(1)
		}
	}
	return dest, false, nil
}

// moveVsMove transforms a move over a move in the same list; it reports
// whether c was dropped.
func (x *xform) moveVsMove() bool {
	c := x.c
	from, to := x.cp(), c["lm"]
	otherFrom, otherTo := x.op(), x.other["lm"]
	if strictEq(otherFrom, otherTo) {
		return false
	}
	if strictEq(from, otherFrom) {
		if x.side != ot.Left {
			return true
		}
		x.setCP(otherTo)
		if strictEq(from, to) {
			c["lm"] = otherTo
		}
		return false
	}
	if less(otherFrom, from) {
		x.incCP(-1)
	}
	if less(otherTo, from) {
		x.incCP(1)
	} else if strictEq(from, otherTo) && less(otherTo, otherFrom) {
		x.incCP(1)
		if strictEq(from, to) {
			x.incLM(1)
		}
	}
	if less(otherFrom, to) {
		x.incLM(-1)
	} else if strictEq(to, otherFrom) && less(from, to) {
		x.incLM(-1)
	}
	if less(otherTo, to) {
		x.incLM(1)
	} else if strictEq(to, otherTo) {
		if (less(otherFrom, otherTo) && less(from, to)) || (less(otherTo, otherFrom) && less(to, from)) {
			if x.side == ot.Right {
				x.incLM(1)
			}
		} else if less(from, to) {
			x.incLM(1)
		} else if strictEq(to, otherFrom) {
			x.incLM(-1)
		}
	}
	return false
}
