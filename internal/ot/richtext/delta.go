package richtext

import (
	"fmt"
)

// Delta is a rich-text op or document: a list of op elements. Documents
// (snapshots) hold inserts only. It encodes to JSON as {"ops":[...]}, the
// form ShareDB stores and sends.
//
// A Delta is immutable once returned: functions never modify a Delta they
// are given, and results share text, embeds and attribute maps with their
// inputs.
type Delta struct {
	ops []Op
}

// Len returns the number of op elements.
func (d *Delta) Len() int {
	if d == nil {
		return 0
	}
	return len(d.ops)
}

// MarshalJSON encodes d as {"ops":[...]}.
func (d *Delta) MarshalJSON() ([]byte, error) {
	dst := make([]byte, 0, 16+32*d.Len())
	dst = append(dst, `{"ops":`...)
	dst, err := appendOps(dst, d.opsOrNil())
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

func (d *Delta) opsOrNil() []Op {
	if d == nil {
		return nil
	}
	return d.ops
}

func appendOps(dst []byte, ops []Op) ([]byte, error) {
	dst = append(dst, '[')
	for i, o := range ops {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = o.appendJSON(dst); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// Tree returns d as a JSON tree ({"ops":[...]}) as ot.Decode would give
// for its encoding.
func (d *Delta) Tree() map[string]any {
	return map[string]any{"ops": opsTree(d.opsOrNil())}
}

func opsTree(ops []Op) []any {
	out := make([]any, len(ops))
	for i, o := range ops {
		out[i] = o.tree()
	}
	return out
}

// toOps reads an op or document argument as quill-delta's constructor
// does: an array, or an object whose "ops" is an array; anything else is
// empty. Elements that are not op objects are an error.
func toOps(v any) ([]Op, error) {
	var list []any
	switch x := v.(type) {
	case *Delta:
		return x.opsOrNil(), nil
	case Delta:
		return x.ops, nil
	case []Op:
		return x, nil
	case []any:
		list = x
	case map[string]any:
		if l, ok := x["ops"].([]any); ok {
			list = l
		}
	}
	ops := make([]Op, len(list))
	for i, e := range list {
		o, err := parseOp(e, i)
		if err != nil {
			return nil, err
		}
		ops[i] = o
	}
	return ops, nil
}

// builder accumulates ops with quill-delta's push rules.
type builder struct {
	ops []Op
}

// push appends o, merging it into the last element like Delta#push.
func (b *builder) push(o Op) {
	index := len(b.ops)
	if index > 0 {
		last := b.ops[index-1]
		if o.kind == kindDelete && last.kind == kindDelete {
			b.ops[index-1] = Op{kind: kindDelete, n: addLen(last.n, o.n)}
			return
		}
		// Inserting before or after a delete at one index is the same, so
		// inserts go first.
		if last.kind == kindDelete && o.isInsert() {
			index--
			if index == 0 {
				b.ops = append(b.ops, Op{})
				copy(b.ops[1:], b.ops)
				b.ops[0] = o
				return
			}
			last = b.ops[index-1]
		}
		if attrsEqual(o.attrs, last.attrs) {
			if o.kind == kindText && last.kind == kindText {
				b.ops[index-1] = Op{kind: kindText, n: last.n + o.n, text: last.text + o.text, attrs: o.attrs}
				return
			}
			if o.kind == kindRetain && last.kind == kindRetain {
				b.ops[index-1] = Op{kind: kindRetain, n: addLen(last.n, o.n), attrs: o.attrs}
				return
			}
		}
	}
	if index == len(b.ops) {
		b.ops = append(b.ops, o)
		return
	}
	b.ops = append(b.ops, Op{})
	copy(b.ops[index+1:], b.ops[index:])
	b.ops[index] = o
}

// retain is Delta#retain: nothing for a non-positive length, attributes
// only when non-empty.
func (b *builder) retain(n int, attrs map[string]any) {
	if n <= 0 {
		return
	}
	if len(attrs) == 0 {
		attrs = nil
	}
	b.push(Op{kind: kindRetain, n: n, attrs: attrs})
}

// delete is Delta#delete.
func (b *builder) delete(n int) {
	if n <= 0 {
		return
	}
	b.push(Op{kind: kindDelete, n: n})
}

// chop drops a trailing retain without attributes.
func (b *builder) chop() {
	if n := len(b.ops); n > 0 {
		last := b.ops[n-1]
		if last.kind == kindRetain && last.n != 0 && last.attrs == nil {
			b.ops = b.ops[:n-1]
		}
	}
}

// concat is Delta#concat: rest's first element is pushed (and may merge),
// the others are appended as they are.
func (b *builder) concat(rest []Op) {
	if len(rest) == 0 {
		return
	}
	b.push(rest[0])
	b.ops = append(b.ops, rest[1:]...)
}

func (b *builder) delta() *Delta { return &Delta{ops: b.ops} }

// attrsEqual is lodash.isEqual on two attribute values, nil being
// undefined.
func attrsEqual(a, b map[string]any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return mapEqual(a, b)
}

func addLen(a, b int) int {
	if a >= infinity-b {
		return infinity
	}
	return a + b
}

func wrapErr(what string, err error) error {
	return fmt.Errorf("%s: %w", what, err)
}
