package json0

import (
	"reflect"

	"github.com/weftdev/weft/internal/ot"
)

// bootstrap builds transform and transformX from a component transform, as
// the reference's bootstrapTransform does for both json0 and text0.
type bootstrap struct {
	// component appends c transformed over other to dest.
	component func(dest []any, c, other any, side ot.Side) ([]any, error)
	// check validates an op and returns its components.
	check func(op any) ([]any, error)
	// append appends a component to an op, merging where the type does.
	append func(dest []any, c any) ([]any, error)
	// appendOwned is append for a component component just made; nil
	// when append does not copy anyway.
	appendOwned func(dest []any, c any) ([]any, error)
}

// asList returns op's components without validating them.
func asList(op any) ([]any, error) {
	switch x := op.(type) {
	case []any:
		return x, nil
	case nil, undefinedT:
		return nil, typeError("Cannot read properties of null (reading 'length')")
	}
	return nil, typeError("op is not an array")
}

func (b bootstrap) transform(op, other any, side ot.Side) (any, error) {
	if side != ot.Left && side != ot.Right {
		return nil, errSide
	}
	otherList, err := asList(other)
	if err != nil {
		return nil, err
	}
	if len(otherList) == 0 {
		return op, nil
	}
	opList, err := asList(op)
	if err != nil {
		return nil, err
	}
	if len(opList) == 1 && len(otherList) == 1 {
		return b.component([]any{}, opList[0], otherList[0], side)
	}
	if side == ot.Left {
		l, _, err := b.transformX(op, other)
		return l, err
	}
	_, r, err := b.transformX(other, op)
	return r, err
}

func (b bootstrap) transformX(leftOp, rightOp any) ([]any, []any, error) {
	left, err := b.check(leftOp)
	if err != nil {
		return nil, nil, err
	}
	right, err := b.check(rightOp)
	if err != nil {
		return nil, nil, err
	}
	return b.transformLists(left, right)
}

func (b bootstrap) transformLists(left, right []any) ([]any, []any, error) {
	newRight := []any{}
	var err error
	for _, rc := range right {
		var newLeft []any
		orig := rc
		if newLeft, rc, newRight, err = b.passRight(left, rc, newRight); err != nil {
			return nil, nil, err
		}
		if rc != nil {
			add := b.append
			if b.appendOwned != nil && !sameComponent(rc, orig) {
				add = b.appendOwned // rc came fresh from component
			}
			if newRight, err = add(newRight, rc); err != nil {
				return nil, nil, err
			}
		}
		left = newLeft
	}
	return left, newRight, nil
}

// passRight transforms the left op over one right component rc, returning
// the new left op and what is left of rc (nil when it was consumed or
// already appended to newRight).
func (b bootstrap) passRight(left []any, rc any, newRight []any) ([]any, any, []any, error) {
	newLeft := []any{}
	var err error
	for k := 0; k < len(left); k++ {
		var next []any
		if newLeft, err = b.component(newLeft, left[k], rc, ot.Left); err != nil {
			return nil, nil, nil, err
		}
		if next, err = b.component([]any{}, rc, left[k], ot.Right); err != nil {
			return nil, nil, nil, err
		}
		switch len(next) {
		case 1:
			rc = next[0]
			continue
		case 0:
			for _, c := range left[k+1:] {
				if newLeft, err = b.append(newLeft, c); err != nil {
					return nil, nil, nil, err
				}
			}
			return newLeft, nil, newRight, nil
		}
		l, r, err := b.transformX(left[k+1:], next)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, c := range l {
			if newLeft, err = b.append(newLeft, c); err != nil {
				return nil, nil, nil, err
			}
		}
		for _, c := range r {
			if newRight, err = b.append(newRight, c); err != nil {
				return nil, nil, nil, err
			}
		}
		return newLeft, nil, newRight, nil
	}
	return newLeft, rc, newRight, nil
}

// sameComponent reports whether a and b are the same component map.
func sameComponent(a, b any) bool {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 {
		return !ok1 && !ok2
	}
	return reflect.ValueOf(am).UnsafePointer() == reflect.ValueOf(bm).UnsafePointer()
}
