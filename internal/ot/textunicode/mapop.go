package textunicode

import "math"

var (
	errBadComponent = &jsTypeError{"malformed component"}
	errSelection    = &jsTypeError{"selection.map is not a function"}
)

// mapFn maps one component; keep false drops it (the reference's
// undefined). pre is the component's offset in the document before the op.
type mapFn func(c Component, pre float64) (out Component, keep bool, err error)

// mapOp is the reference's mapOp: fn over every component, appended with
// merging, then trimmed. Unlike the reference it never mutates op.
func mapOp(op Op, fn mapFn) (*Op, error) {
	b := newBuilder(len(op))
	pre := 0.0
	for _, c := range op {
		if c.k == kNull {
			return nil, errNullRead
		}
		if c.k == kBadObj {
			return nil, errBadComponent
		}
		out, keep, err := fn(c, pre)
		if err != nil {
			return nil, err
		}
		if keep {
			b.add(out)
		}
		switch c.k {
		case kSkip:
			pre += c.n
		case kDelN, kDelS:
			pre += dlen(c)
		}
	}
	return b.done(), nil
}

func identity(c Component, _ float64) (Component, bool, error) { return c, true, nil }

// normalize is the reference's normalize. It does not check the op.
func normalize(op Op) (*Op, error) { return mapOp(op, identity) }

// invert is the reference's invert.
func invert(op Op) (*Op, error) {
	return mapOp(op, func(c Component, _ float64) (Component, bool, error) {
		switch c.k {
		case kDelN:
			return c, false, errNoText
		case kDelS:
			return Component{k: kInsert, s: c.s}, true, nil
		case kInsert:
			return Component{k: kDelS, s: c.s}, true, nil
		case kSkip:
			return c, true, nil
		}
		return c, false, nil // booleans: the reference returns undefined
	})
}

// makeInvertible is the reference's makeInvertible on a string document.
func makeInvertible(op Op, doc string) (*Op, error) {
	whole := Component{k: kDelS, s: doc}
	var cur cpCursor // deletes come in document order: walk doc once
	return mapOp(op, func(c Component, pre float64) (Component, bool, error) {
		if c.k == kDelN {
			return dslice(whole, pre, pre+c.n, true, &cur), true, nil
		}
		return c, true, nil
	})
}

// stripInvertible is the reference's stripInvertible.
func stripInvertible(op Op) (*Op, error) {
	return mapOp(op, func(c Component, _ float64) (Component, bool, error) {
		if c.k == kDelS {
			return Component{k: kDelN, n: float64(cpCount(c.s))}, true, nil
		}
		return c, true, nil
	})
}

// isInvertible is the reference's isInvertible.
func isInvertible(op Op) (bool, error) {
	ok := true
	for _, c := range op {
		switch c.k {
		case kNull:
			return false, errNullRead
		case kBadObj:
			return false, errBadComponent
		case kDelN:
			ok = false
		}
	}
	return ok, nil
}

// transformPosition is the reference's transformPosition: it takes no side,
// and an insert exactly at the cursor does not move it.
func transformPosition(cursor float64, op Op) (float64, error) {
	pos := 0.0
	for i := 0; i < len(op) && cursor > pos; i++ {
		c := op[i]
		switch c.k {
		case kSkip:
			pos += c.n
		case kInsert:
			n := float64(cpCount(c.s))
			pos += n
			cursor += n
		case kDelN, kDelS:
			cursor -= math.Min(dlen(c), cursor-pos)
		case kNull:
			return 0, errNullRead
		case kBadObj:
			return 0, errBadComponent
		}
	}
	return cursor, nil
}

// transformSelection maps a number or an array of numbers.
func transformSelection(sel any, op Op) (any, error) {
	if n, ok := number(sel); ok {
		return transformPosition(n, op)
	}
	arr, ok := sel.([]any)
	if !ok {
		return nil, errSelection
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		n, ok := number(e)
		if !ok {
			return nil, &jsTypeError{"selection element is not a number"}
		}
		p, err := transformPosition(n, op)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}
