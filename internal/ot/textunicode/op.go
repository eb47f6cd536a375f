package textunicode

import (
	"errors"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// kind is what a component does. The reference dispatches on JavaScript's
// typeof, so booleans (which its checkOp lets through) have kinds too.
type kind uint8

const (
	kSkip   kind = iota + 1 // a number: skip that many code points
	kInsert                 // a string: insert it
	kDelN                   // {d: number}: delete that many code points
	kDelS                   // {d: "text"}: delete that text's length
	kTrue                   // the boolean true
	kFalse                  // the boolean false
	kNull                   // null: every reference path that reads it throws
	kBadObj                 // an array, or an object whose d is neither number nor string
)

// Component is one element of an Op. The zero Component is not valid; make
// components with Skip, Insert, Delete and DeleteText.
type Component struct {
	k kind
	n float64 // kSkip, kDelN
	s string  // kInsert, kDelS
	// extra holds a delete object's keys other than "d". The reference
	// ignores them but keeps the object itself where it passes components
	// through unchanged (normalize, the invert family), so Weft does too.
	extra map[string]any
}

// Op is a text-unicode operation: a list of components walked over the
// document. Its JSON form (MarshalJSON) is the reference's wire form.
type Op []Component

// Skip returns the component skipping n code points.
func Skip(n int) Component { return Component{k: kSkip, n: float64(n)} }

// Insert returns the component inserting text.
func Insert(text string) Component { return Component{k: kInsert, s: text} }

// Delete returns the component {d:n}, deleting n code points.
func Delete(n int) Component { return Component{k: kDelN, n: float64(n)} }

// DeleteText returns the invertible delete {d:text}.
func DeleteText(text string) Component { return Component{k: kDelS, s: text} }

func (c Component) isDel() bool { return c.k == kDelN || c.k == kDelS }

// typeOf groups kinds as JavaScript's typeof does.
func (c Component) typeOf() kind {
	switch c.k {
	case kDelN, kDelS, kNull, kBadObj:
		return kDelN
	case kFalse:
		return kTrue
	}
	return c.k
}

// AppendJSON appends the component's JSON to dst.
func (c Component) AppendJSON(dst []byte) ([]byte, error) {
	switch c.k {
	case kSkip:
		return ot.AppendNumber(dst, c.n), nil
	case kInsert:
		return ot.AppendString(dst, c.s), nil
	case kTrue:
		return append(dst, "true"...), nil
	case kFalse:
		return append(dst, "false"...), nil
	case kDelN, kDelS:
		var d any = c.n
		if c.k == kDelS {
			d = c.s
		}
		if c.extra == nil {
			dst = append(dst, `{"d":`...)
			dst, _ = ot.AppendJSON(dst, d)
			return append(dst, '}'), nil
		}
		m := make(map[string]any, len(c.extra)+1)
		for k, v := range c.extra {
			m[k] = v
		}
		m["d"] = d
		return ot.AppendJSON(dst, m)
	}
	return dst, errors.New("text-unicode: cannot encode a malformed component")
}

// MarshalJSON encodes op as the reference's JSON.
func (op Op) MarshalJSON() ([]byte, error) {
	dst := make([]byte, 0, 16*len(op)+2)
	dst = append(dst, '[')
	for i, c := range op {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = c.AppendJSON(dst); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

// String returns the op's JSON.
func (op Op) String() string {
	b, err := op.MarshalJSON()
	if err != nil {
		return fmt.Sprintf("<bad op: %v>", err)
	}
	return string(b)
}

// jsTypeError stands for the TypeError the reference's JavaScript engine
// throws (reading a property of null, calling a method on undefined). Its
// message is Weft's own: engine messages vary between Node versions.
type jsTypeError struct{ what string }

func (e *jsTypeError) Error() string { return "TypeError: " + e.what }

// parse turns an op (a JSON tree or an Op) into an Op. Only a value that is
// not an array fails; malformed components are kept as kNull and kBadObj so
// each function can fail where the reference does.
func parse(op any) (Op, error) {
	switch x := op.(type) {
	case Op:
		return x, nil
	case *Op:
		if x == nil {
			return nil, errNotArray
		}
		return *x, nil
	case []Component:
		return Op(x), nil
	case *edit:
		if x == nil {
			return nil, errNotArray
		}
		return x.appendTo(make(Op, 0, 2)), nil
	case []any:
		out := make(Op, len(x))
		for i, e := range x {
			out[i] = parseComponent(e)
		}
		return out, nil
	}
	return nil, errNotArray
}

func parseComponent(e any) Component {
	switch v := e.(type) {
	case float64:
		return Component{k: kSkip, n: v}
	case int:
		return Component{k: kSkip, n: float64(v)}
	case string:
		return Component{k: kInsert, s: v}
	case bool:
		if v {
			return Component{k: kTrue}
		}
		return Component{k: kFalse}
	case nil:
		return Component{k: kNull}
	case Component:
		return v
	case map[string]any:
		return parseDelete(v)
	}
	return Component{k: kBadObj}
}

func parseDelete(m map[string]any) Component {
	var c Component
	switch d := m["d"].(type) {
	case float64:
		c = Component{k: kDelN, n: d}
	case int:
		c = Component{k: kDelN, n: float64(d)}
	case string:
		c = Component{k: kDelS, s: d}
	default:
		return Component{k: kBadObj}
	}
	if len(m) > 1 {
		c.extra = make(map[string]any, len(m)-1)
		for k, v := range m {
			if k != "d" {
				c.extra[k] = v
			}
		}
	}
	return c
}
