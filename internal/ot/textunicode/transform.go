package textunicode

import (
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// transform is the reference's transform(op1, op2, side) on parsed ops.
func transform(op1, op2 Op, left bool) (*Op, error) {
	if x, ok := asEdit(op1); ok {
		if y, ok := asEdit(op2); ok {
			if e, _, ok := transformEdits(&x, &y, left); ok {
				return e.op(), nil
			}
		}
	}
	return transformAll(op1, op2, left)
}

// transformAll is transform by the reference's general algorithm.
func transformAll(op1, op2 Op, left bool) (*Op, error) {
	if err := check(op1); err != nil {
		return nil, err
	}
	if err := check(op2); err != nil {
		return nil, err
	}
	b := newBuilder(len(op1) + 2)
	t := newTaker(op1, len(op2))
	for _, c2 := range op2 {
		var err error
		switch c2.k {
		case kSkip:
			err = transformSkip(&b, &t, c2.n)
		case kInsert:
			if left && t.peekInsert() {
				c, _, err := t.take(0, true, splitAll)
				if err != nil {
					return nil, err
				}
				b.add(c)
			}
			b.add(Component{k: kSkip, n: float64(cpCount(c2.s))})
		case kDelN, kDelS:
			err = transformDelete(&b, &t, dlen(c2))
		}
		if err != nil {
			return nil, err
		}
	}
	if err := drain(&b, &t); err != nil {
		return nil, err
	}
	return b.done(), nil
}

// transformSkip: other's skip consumes op's skips and deletes; op's inserts
// are kept whole and do not consume it.
func transformSkip(b *builder, t *taker, length float64) error {
	for length > 0 {
		c, _, err := t.take(length, false, wholeInserts)
		if err != nil {
			return err
		}
		b.add(c)
		if c.k != kInsert {
			length -= componentLength(c)
		}
	}
	return nil
}

// transformDelete: inside other's delete, op's skips and deletes vanish and
// op's inserts survive.
func transformDelete(b *builder, t *taker, length float64) error {
	for length > 0 {
		c, _, err := t.take(length, false, wholeInserts)
		if err != nil {
			return err
		}
		switch c.k {
		case kSkip:
			length -= c.n
		case kInsert:
			b.add(c)
		default:
			length -= dlen(c)
		}
	}
	return nil
}

// drain appends whatever remains of the taker's op.
func drain(b *builder, t *taker) error {
	for {
		c, ok, err := t.take(0, true, splitAll)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		b.add(c)
	}
}

// compose is the reference's compose(op1, op2) on parsed ops.
func compose(op1, op2 Op) (*Op, error) {
	if x, ok := asEdit(op1); ok {
		if y, ok := asEdit(op2); ok {
			if sp, ok := composeEdits(&x, &y); ok {
				return sp.composeOp(), nil
			}
		}
	}
	return composeAll(op1, op2)
}

// composeAll is compose by the reference's general algorithm.
func composeAll(op1, op2 Op) (*Op, error) {
	if err := check(op1); err != nil {
		return nil, err
	}
	if err := check(op2); err != nil {
		return nil, err
	}
	b := newBuilder(len(op1) + len(op2))
	t := newTaker(op1, len(op2))
	for _, c2 := range op2 {
		var err error
		switch c2.k {
		case kSkip:
			err = composeSkip(&b, &t, c2.n)
		case kInsert:
			b.add(c2)
		case kDelN, kDelS:
			err = composeDelete(&b, &t, c2)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := drain(&b, &t); err != nil {
		return nil, err
	}
	return b.done(), nil
}

// composeSkip: b's skip keeps a's components; a's deletes are never split
// and do not consume the skip.
func composeSkip(b *builder, t *taker, length float64) error {
	for length > 0 {
		c, _, err := t.take(length, false, wholeDeletes)
		if err != nil {
			return err
		}
		b.add(c)
		if !c.isDel() {
			length -= componentLength(c)
		}
	}
	return nil
}

// composeDelete: b's delete cancels a's inserts, deletes what a skipped,
// and lets a's deletes through.
func composeDelete(b *builder, t *taker, del Component) error {
	length := dlen(del)
	offset := 0.0
	var cur cpCursor
	for offset < length {
		c, _, err := t.take(length-offset, false, wholeDeletes)
		if err != nil {
			return err
		}
		switch c.k {
		case kSkip:
			b.add(dslice(del, offset, offset+c.n, true, &cur))
			offset += c.n
		case kInsert:
			offset += float64(cpCount(c.s))
		default:
			b.add(c)
		}
	}
	return nil
}

// sideError is the reference's message for a side that is neither.
func sideError(side any) error {
	return fmt.Errorf("side (%s) must be 'left' or 'right'", jsString(side))
}

// jsString approximates JavaScript's String(v) for error messages.
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case ot.Side:
		return x.String()
	case float64:
		return string(ot.AppendNumber(nil, x))
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []any:
		s := ""
		for i, e := range x {
			if i > 0 {
				s += ","
			}
			if e != nil {
				s += jsString(e)
			}
		}
		return s
	case map[string]any:
		return "[object Object]"
	}
	return fmt.Sprint(v)
}
