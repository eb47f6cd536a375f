package json0

import (
	"errors"

	"github.com/weftdev/weft/internal/ot"
)

// errSide is the reference's message for a side other than left or right.
var errSide = errors.New("type must be 'left' or 'right'")

// textTransformPosition moves pos over one component. insertAfter pushes a
// position equal to an insert's offset past the insert.
func textTransformPosition(pos any, cv any, insertAfter bool) (any, error) {
	c, err := textComponent(cv)
	if err != nil {
		return nil, err
	}
	cp := field(c, "p")
	if notNull(c, "i") {
		if less(cp, pos) || (strictEq(cp, pos) && insertAfter) {
			n, err := lengthOf(c["i"])
			if err != nil {
				return nil, err
			}
			return plus(pos, n), nil
		}
		return pos, nil
	}
	n, err := lengthOf(field(c, "d"))
	if err != nil {
		return nil, err
	}
	switch {
	case lessEq(pos, cp):
		return pos, nil
	case lessEq(pos, plus(cp, n)):
		return cp, nil
	}
	return minus(pos, n), nil
}

// TransformCursor moves a cursor position (in UTF-16 code units) over op.
// With side "right" a cursor exactly at an insert moves past it; with any
// other side it stays before it.
func (*Text0) TransformCursor(position any, op any, side string) (any, error) {
	list, err := textOp(op)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if position, err = textTransformPosition(position, c, side == "right"); err != nil {
			return nil, err
		}
	}
	return position, nil
}

// textTransformComponent appends c transformed over otherC to dest.
func textTransformComponent(dest []any, cv, otherv any, side ot.Side) ([]any, error) {
	c, err := checkTextComponent(cv)
	if err != nil {
		return nil, err
	}
	other, err := checkTextComponent(otherv)
	if err != nil {
		return nil, err
	}
	if notNull(c, "i") {
		p, err := textTransformPosition(c["p"], other, side == ot.Right)
		if err != nil {
			return nil, err
		}
		return textAppend(dest, map[string]any{"i": c["i"], "p": p})
	}
	if notNull(other, "i") {
		return textDeleteVsInsert(dest, c, other)
	}
	return textDeleteVsDelete(dest, c, other)
}

func textDeleteVsInsert(dest []any, c, other map[string]any) ([]any, error) {
	var s any = c["d"]
	var err error
	cp, op := c["p"].(float64), other["p"].(float64)
	if cp < op {
		head, err := sliceValue(s, 0.0, op-cp)
		if err != nil {
			return nil, err
		}
		if dest, err = textAppend(dest, map[string]any{"d": head, "p": cp}); err != nil {
			return nil, err
		}
		if s, err = sliceValue(s, op-cp, undef); err != nil {
			return nil, err
		}
	}
	if !strictEq(s, "") {
		n, err := lengthOf(other["i"])
		if err != nil {
			return nil, err
		}
		return textAppend(dest, map[string]any{"d": s, "p": plus(cp, n)})
	}
	return dest, err
}

func textDeleteVsDelete(dest []any, c, other map[string]any) ([]any, error) {
	cd, od := c["d"].(string), other["d"].(string)
	cp, op := c["p"].(float64), other["p"].(float64)
	cl, ol := float64(ot.UTF16Len(cd)), float64(ot.UTF16Len(od))
	switch {
	case cp >= op+ol:
		return textAppend(dest, map[string]any{"d": cd, "p": cp - ol})
	case cp+cl <= op:
		return textAppend(dest, c)
	}
	newD := ""
	if cp < op {
		head, err := sliceValue(cd, 0.0, op-cp)
		if err != nil {
			return nil, err
		}
		newD = head.(string)
	}
	if cp+cl > op+ol {
		tail, err := sliceValue(cd, op+ol-cp, undef)
		if err != nil {
			return nil, err
		}
		newD += tail.(string)
	}
	start, end := max(cp, op), min(cp+cl, op+ol)
	ci, err := sliceValue(cd, start-cp, end-cp)
	if err != nil {
		return nil, err
	}
	oi, err := sliceValue(od, start-op, end-op)
	if err != nil {
		return nil, err
	}
	if ci.(string) != oi.(string) {
		return nil, refError("Delete ops delete different text in the same region of the document")
	}
	if newD == "" {
		return dest, nil
	}
	p, err := textTransformPosition(cp, other, false)
	if err != nil {
		return nil, err
	}
	return textAppend(dest, map[string]any{"d": newD, "p": p})
}

// textBootstrap is text0's transform machinery.
var textBootstrap = bootstrap{
	component: textTransformComponent,
	check: func(op any) ([]any, error) {
		list, err := textOp(op)
		if err != nil {
			return nil, err
		}
		return list, checkTextOp(list)
	},
	append: textAppend,
}

// Transform returns op transformed over other. side Left puts op's insert
// first when both insert at one offset.
func (*Text0) Transform(op, other any, side ot.Side) (any, error) {
	return textBootstrap.transform(op, other, side)
}

// TransformX returns left and right, each transformed over the other.
func (*Text0) TransformX(left, right any) (any, any, error) {
	l, r, err := textBootstrap.transformX(left, right)
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}
