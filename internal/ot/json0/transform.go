package json0

import (
	"github.com/weftdev/weft/internal/ot"
)

// effectiveLen is c.p.length, plus one for na and subtype components (whose
// operand is the path's target itself).
func effectiveLen(c map[string]any, p []any) int {
	n := len(p)
	if notNull(c, "na") || truthy(field(c, "t")) {
		n++
	}
	return n
}

// commonLength is the reference's commonLengthForOps(a, b); ok is false
// where it returns null. It may return -1.
func commonLength(a, b map[string]any) (int, bool, error) {
	ap, err := pathOf(a)
	if err != nil {
		return 0, false, err
	}
	bp, err := pathOf(b)
	if err != nil {
		return 0, false, err
	}
	alen, blen := effectiveLen(a, ap), effectiveLen(b, bp)
	if alen == 0 {
		return -1, true, nil
	}
	if blen == 0 {
		return 0, false, nil
	}
	alen--
	blen--
	for i := 0; i < alen; i++ {
		if i >= blen || !strictEq(at(ap, i), at(bp, i)) {
			return 0, false, nil
		}
	}
	return alen, true, nil
}

// at is JavaScript's p[i] on a path: undefined outside the array.
func at(p []any, i int) any {
	if i < 0 || i >= len(p) {
		return undef
	}
	return p[i]
}

// xform is the state of one transformComponent call.
type xform struct {
	t           *Type
	c, other    map[string]any
	common      int
	commonOp    bool
	cpl, otherL int
	side        ot.Side
}

// cp returns c.p[common] and op returns otherC.p[common].
func (x *xform) cp() any { return at(x.c["p"].([]any), x.common) }
func (x *xform) op() any { return at(x.other["p"].([]any), x.common) }

// setCP is c.p[common] = v. Negative indexes name a property JSON drops.
func (x *xform) setCP(v any) {
	p := x.c["p"].([]any)
	i := x.common
	if i < 0 {
		return
	}
	if i >= len(p) {
		grown := make([]any, i+1)
		copy(grown, p)
		p = grown
		x.c["p"] = p
	}
	p[i] = v
}

func (x *xform) incCP(d float64) { x.setCP(toNumber(x.cp()) + d) }
func (x *xform) incLM(d float64) { x.c["lm"] = toNumber(field(x.c, "lm")) + d }

// transformComponent appends c transformed over otherC to dest.
func (t *Type) transformComponent(dest []any, cv, otherv any, side ot.Side) ([]any, error) {
	c, ok := cv.(map[string]any)
	if !ok {
		return nil, typeError("component is not an object")
	}
	if out, ok, err := t.transformLegacyFast(dest, c, otherv, side); ok {
		return out, err
	}
	c = cloneComponent(c)
	other, ok := otherv.(map[string]any)
	if !ok {
		return nil, typeError("component is not an object")
	}
	common, okCommon, err := commonLength(other, c)
	if err != nil {
		return nil, err
	}
	common2, okCommon2, err := commonLength(c, other)
	if err != nil {
		return nil, err
	}
	x := &xform{t: t, c: c, other: other, common: common, side: side,
		cpl: effectiveLen(c, c["p"].([]any)), otherL: effectiveLen(other, other["p"].([]any))}
	if okCommon2 && x.otherL > x.cpl && looseEq(at(c["p"].([]any), common2), at(other["p"].([]any), common2)) {
		if err := x.updateDeleted(); err != nil {
			return nil, err
		}
	}
	if okCommon {
		x.commonOp = x.cpl == x.otherL
		out, done, err := x.transformCommon(dest)
		if err != nil || done {
			return out, err
		}
		dest = out
	}
	return t.appendOwned(dest, x.c)
}

// updateDeleted rewrites c's ld or od to include the edit otherC makes
// inside the deleted value.
func (x *xform) updateDeleted() error {
	key := ""
	switch {
	case has(x.c, "ld"):
		key = "ld"
	case has(x.c, "od"):
		key = "od"
	default:
		return nil
	}
	oc := cloneComponent(x.other)
	op := oc["p"].([]any)
	oc["p"] = op[min(x.cpl, len(op)):]
	v, err := x.t.applyValue(cloneJSON(x.c[key]), []any{oc})
	if err != nil {
		return err
	}
	if isUndef(v) {
		delete(x.c, key)
	} else {
		x.c[key] = v
	}
	return nil
}

// transformCommon handles the case where the two components share a
// prefix. done reports that dest is final (c was dropped or handled).
func (x *xform) transformCommon(dest []any) ([]any, bool, error) {
	c, other := x.c, x.other
	oc := other
	if isLegacyString(c) && isLegacyString(other) {
		convertFromText(c)
		oc = cloneComponent(other)
		convertFromText(oc)
	}
	if sub := x.t.subtype(field(oc, "t")); sub != nil {
		if truthy(field(c, "t")) && strictEq(field(c, "t"), oc["t"]) {
			out, err := x.transformSubtype(dest, sub, oc)
			return out, true, err
		}
		return dest, false, nil
	}
	switch {
	case has(other, "na"):
		return dest, false, nil
	case has(other, "li") && has(other, "ld"):
		return x.vsListReplace(dest)
	case has(other, "li"):
		x.vsListInsert()
		return dest, false, nil
	case has(other, "ld"):
		return x.vsListDelete(dest)
	case has(other, "lm"):
		return x.vsListMove(dest)
	case has(other, "oi") && has(other, "od"):
		return x.vsObjectReplace(dest)
	case has(other, "oi"):
		return x.vsObjectInsert(dest)
	case has(other, "od"):
		return x.vsObjectDelete(dest)
	}
	return dest, false, nil
}

func (x *xform) transformSubtype(dest []any, sub Subtype, oc map[string]any) ([]any, error) {
	c := x.c
	res, err := sub.Transform(field(c, "o"), field(oc, "o"), x.side)
	if err != nil {
		return nil, err
	}
	list, isList := res.([]any)
	if isLegacyString(c) {
		p := c["p"].([]any)
		for _, r := range list {
			c["o"] = []any{r}
			c["p"] = append([]any(nil), p...)
			convertToText(c)
			if dest, err = x.t.appendComponent(dest, c); err != nil {
				return nil, err
			}
		}
		return dest, nil
	}
	if !isList || len(list) > 0 {
		c["o"] = res
		return x.t.appendComponent(dest, c)
	}
	return dest, nil
}

func (x *xform) vsListReplace(dest []any) ([]any, bool, error) {
	c := x.c
	if strictEq(x.op(), x.cp()) {
		if !x.commonOp {
			return dest, true, nil
		}
		if has(c, "ld") {
			if has(c, "li") && x.side == ot.Left {
				c["ld"] = x.other["li"]
			} else {
				return dest, true, nil
			}
		}
	}
	return dest, false, nil
}

func (x *xform) vsListInsert() {
	c := x.c
	if has(c, "li") && !has(c, "ld") && x.commonOp && strictEq(x.cp(), x.op()) {
		if x.side == ot.Right {
			x.incCP(1)
		}
	} else if lessEq(x.op(), x.cp()) {
		x.incCP(1)
	}
	if has(c, "lm") && x.commonOp && lessEq(x.op(), c["lm"]) {
		x.incLM(1)
	}
}

func (x *xform) vsListDelete(dest []any) ([]any, bool, error) {
	c := x.c
	if has(c, "lm") && x.commonOp {
		if strictEq(x.op(), x.cp()) {
			return dest, true, nil
		}
		p, from, to := x.op(), x.cp(), c["lm"]
		if less(p, to) || (strictEq(p, to) && less(from, to)) {
			x.incLM(-1)
		}
	}
	if less(x.op(), x.cp()) {
		x.incCP(-1)
	} else if strictEq(x.op(), x.cp()) {
		if x.otherL < x.cpl {
			return dest, true, nil
		}
		if has(c, "ld") {
			if has(c, "li") {
				delete(c, "ld")
			} else {
				return dest, true, nil
			}
		}
	}
	return dest, false, nil
}

func (x *xform) vsObjectReplace(dest []any) ([]any, bool, error) {
	c := x.c
	if strictEq(x.cp(), x.op()) {
		if has(c, "oi") && x.commonOp {
			if x.side == ot.Right {
				return dest, true, nil
			}
			c["od"] = x.other["oi"]
			return dest, false, nil
		}
		return dest, true, nil
	}
	return dest, false, nil
}

func (x *xform) vsObjectInsert(dest []any) ([]any, bool, error) {
	c := x.c
	if has(c, "oi") && strictEq(x.cp(), x.op()) {
		if x.side == ot.Right {
			return dest, true, nil
		}
		out, err := x.t.appendComponent(dest, map[string]any{"p": c["p"], "od": x.other["oi"]})
		return out, false, err
	}
	return dest, false, nil
}

func (x *xform) vsObjectDelete(dest []any) ([]any, bool, error) {
	c := x.c
	if looseEq(x.cp(), x.op()) {
		if !x.commonOp {
			return dest, true, nil
		}
		if has(c, "oi") {
			delete(c, "od")
		} else {
			return dest, true, nil
		}
	}
	return dest, false, nil
}

// transformLegacyFast is transformComponent for two plain legacy string
// components on the same string (typing against typing), computed
// without the round trip through the text0 form. ok is false when the
// general path must run.
func (t *Type) transformLegacyFast(dest []any, c map[string]any, otherv any, side ot.Side) ([]any, bool, error) {
	other, ok := otherv.(map[string]any)
	if !ok {
		return nil, false, nil
	}
	cParent, cOff, cText, cIns, ok1 := legacyParts(c)
	oParent, oOff, oText, oIns, ok2 := legacyParts(other)
	if !ok1 || !ok2 || !pathMatches(cParent, oParent) {
		return nil, false, nil
	}
	if cIns {
		// text0 moves an insert by transformPosition and drops it when empty.
		if cText == "" {
			return dest, true, nil
		}
		p := append(append(make([]any, 0, len(cParent)+1), cParent...), insertPosition(cOff, oOff, oText, oIns, side))
		out, err := t.appendOwned(dest, map[string]any{"p": p, "si": cText})
		return out, true, err
	}
	res, err := textTransformComponent(nil, textComp(cOff, cText, cIns), textComp(oOff, oText, oIns), side)
	if err != nil {
		return nil, true, err
	}
	for _, rv := range res {
		r := rv.(map[string]any)
		p := append(append(make([]any, 0, len(cParent)+1), cParent...), r["p"])
		n := map[string]any{"p": p}
		if i, ok := r["i"]; ok {
			n["si"] = i
		} else {
			n["sd"] = r["d"]
		}
		if dest, err = t.appendOwned(dest, n); err != nil {
			return nil, true, err
		}
	}
	return dest, true, nil
}

func textComp(p float64, s string, ins bool) map[string]any {
	if ins {
		return map[string]any{"p": p, "i": s}
	}
	return map[string]any{"p": p, "d": s}
}

// insertPosition is text0's transformPosition of an insert at pos over one
// plain component (insert or delete of text at off).
func insertPosition(pos, off float64, text string, ins bool, side ot.Side) float64 {
	n := float64(ot.UTF16Len(text))
	if ins {
		if off < pos || (off == pos && side == ot.Right) {
			return pos + n
		}
		return pos
	}
	switch {
	case pos <= off:
		return pos
	case pos <= off+n:
		return off
	}
	return pos - n
}
