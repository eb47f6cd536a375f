package json0

import (
	"errors"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// Text0 is the text0 OT type (ot-json0 1.1.0's lib/text0.js): a plain
// string edited by components {p, i} (insert) and {p, d} (delete), with
// offsets in UTF-16 code units. json0 uses it for its string operations;
// it is also usable on its own.
type Text0 struct{}

var (
	_ ot.Type     = (*Text0)(nil)
	_ ot.Inverter = (*Text0)(nil)
)

// NewText0 returns the text0 type.
func NewText0() *Text0 { return &Text0{} }

// Name returns "text0".
func (*Text0) Name() string { return "text0" }

// URI returns "http://sharejs.org/types/textv0".
func (*Text0) URI() string { return "http://sharejs.org/types/textv0" }

// Create returns data, or "" when data is nil. Data that is not a string is
// an error.
func (*Text0) Create(data any) (any, error) {
	if data != nil {
		s, ok := data.(string)
		if !ok {
			return nil, refError("Initial data must be a string")
		}
		return s, nil
	}
	return "", nil
}

// textComponent returns the i-th component of a text0 op as a map. The
// reference reads fields of whatever it finds; a primitive has none.
func textComponent(c any) (map[string]any, error) {
	switch x := c.(type) {
	case map[string]any:
		return x, nil
	case nil, undefinedT:
		return nil, typeError("Cannot read properties of null (reading 'p')")
	}
	return map[string]any{}, nil
}

// textOp returns op as a list of components.
func textOp(op any) ([]any, error) {
	switch x := op.(type) {
	case []any:
		return x, nil
	case nil, undefinedT:
		return nil, typeError("Cannot read properties of null (reading 'length')")
	}
	return nil, typeError("text0 op is not an array")
}

func checkTextComponent(c any) (map[string]any, error) {
	m, err := textComponent(c)
	if err != nil {
		return nil, err
	}
	p, ok := m["p"].(float64)
	if !ok {
		return nil, errors.New("component missing position field")
	}
	_, iStr := m["i"].(string)
	_, dStr := m["d"].(string)
	if iStr == dStr {
		return nil, errors.New("component needs an i or d field")
	}
	if p < 0 {
		return nil, errors.New("position cannot be negative")
	}
	return m, nil
}

func checkTextOp(op []any) error {
	for _, c := range op {
		if _, err := checkTextComponent(c); err != nil {
			return err
		}
	}
	return nil
}

// Apply returns snapshot with op applied. Like the reference it checks
// that deleted text matches the document.
func (*Text0) Apply(snapshot, op any) (any, error) { return textApply(snapshot, op) }

func textApply(snapshot, opv any) (any, error) {
	op, err := textOp(opv)
	if err != nil {
		return nil, err
	}
	if err := checkTextOp(op); err != nil {
		return nil, err
	}
	for _, cv := range op {
		c := cv.(map[string]any)
		if notNull(c, "i") {
			if snapshot, err = strInject(snapshot, c["p"], c["i"]); err != nil {
				return nil, err
			}
			continue
		}
		if snapshot, err = textDelete(snapshot, c["p"].(float64), c["d"].(string)); err != nil {
			return nil, err
		}
	}
	return snapshot, nil
}

func textDelete(snapshot any, p float64, d string) (any, error) {
	dl, _ := lengthOf(d)
	end := p + dl.(float64)
	deleted, err := sliceValue(snapshot, p, end)
	if err != nil {
		return nil, err
	}
	if !strictEq(d, deleted) {
		return nil, errors.New("Delete component '" + d + "' does not match deleted text '" + toString(deleted) + "'")
	}
	head, err := sliceValue(snapshot, 0.0, p)
	if err != nil {
		return nil, err
	}
	tail, err := sliceValue(snapshot, end, undef)
	if err != nil {
		return nil, err
	}
	return plus(head, tail), nil
}

// textAppend appends component c to op, merging it into the last
// component when the reference does (text0's append).
func textAppend(op []any, cv any) ([]any, error) {
	c, err := textComponent(cv)
	if err != nil {
		return nil, err
	}
	if strictEq(field(c, "i"), "") || strictEq(field(c, "d"), "") {
		return op, nil
	}
	if len(op) == 0 {
		return append(op, cv), nil
	}
	last, err := textComponent(op[len(op)-1])
	if err != nil {
		return nil, err
	}
	if merged, ok, err := mergeInsert(last, c); err != nil || ok {
		if err != nil {
			return nil, err
		}
		op[len(op)-1] = merged
		return op, nil
	}
	if merged, ok, err := mergeDelete(last, c); err != nil || ok {
		if err != nil {
			return nil, err
		}
		op[len(op)-1] = merged
		return op, nil
	}
	return append(op, cv), nil
}

func mergeInsert(last, c map[string]any) (map[string]any, bool, error) {
	if !notNull(last, "i") || !notNull(c, "i") {
		return nil, false, nil
	}
	lp, cp := field(last, "p"), field(c, "p")
	if !lessEq(lp, cp) {
		return nil, false, nil
	}
	n, err := lengthOf(last["i"])
	if err != nil {
		return nil, false, err
	}
	if !lessEq(cp, plus(lp, n)) {
		return nil, false, nil
	}
	s, err := strInject(last["i"], minus(cp, lp), c["i"])
	if err != nil {
		return nil, false, err
	}
	return map[string]any{"i": s, "p": lp}, true, nil
}

func mergeDelete(last, c map[string]any) (map[string]any, bool, error) {
	if !notNull(last, "d") || !notNull(c, "d") {
		return nil, false, nil
	}
	lp, cp := field(last, "p"), field(c, "p")
	if !lessEq(cp, lp) {
		return nil, false, nil
	}
	n, err := lengthOf(c["d"])
	if err != nil {
		return nil, false, err
	}
	if !lessEq(lp, plus(cp, n)) {
		return nil, false, nil
	}
	s, err := strInject(c["d"], minus(lp, cp), last["d"])
	if err != nil {
		return nil, false, err
	}
	return map[string]any{"d": s, "p": cp}, true, nil
}

// Compose returns op1 followed by op2 as one op. Inserts and deletes merge
// with the previous component when adjacent; an insert followed by its
// delete does not cancel.
func (*Text0) Compose(op1, op2 any) (any, error) { return textCompose(op1, op2) }

func textCompose(op1v, op2v any) (any, error) {
	op1, err := textOp(op1v)
	if err != nil {
		return nil, err
	}
	op2, err := textOp(op2v)
	if err != nil {
		return nil, err
	}
	if err := checkTextOp(op1); err != nil {
		return nil, err
	}
	if err := checkTextOp(op2); err != nil {
		return nil, err
	}
	out := append(make([]any, 0, len(op1)+len(op2)), op1...)
	for _, c := range op2 {
		if out, err = textAppend(out, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Normalize accepts an op or a single component, fills a missing p with 0
// and merges adjacent components.
func (*Text0) Normalize(op any) (any, error) {
	var list []any
	if m, ok := op.(map[string]any); ok && (notNull(m, "i") || notNull(m, "p")) {
		list = []any{m}
	} else {
		var err error
		if list, err = textOp(op); err != nil {
			return nil, err
		}
	}
	out := []any{}
	for _, cv := range list {
		c, err := textComponent(cv)
		if err != nil {
			return nil, err
		}
		if !notNull(c, "p") {
			c = copyMap(c)
			c["p"] = 0.0
		}
		if out, err = textAppend(out, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Invert returns the op that undoes op: components reversed, inserts and
// deletes swapped.
func (*Text0) Invert(op any) (any, error) { return textInvert(op) }

func textInvert(opv any) (any, error) {
	op, err := textOp(opv)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(op))
	for i, cv := range op {
		c, err := textComponent(cv)
		if err != nil {
			return nil, err
		}
		if notNull(c, "i") {
			out[len(op)-1-i] = object("d", field(c, "i"), "p", field(c, "p"))
		} else {
			out[len(op)-1-i] = object("i", field(c, "d"), "p", field(c, "p"))
		}
	}
	return out, nil
}

// object builds a map from key, value pairs, leaving out undefined values
// as JSON does.
func object(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if !isUndef(kv[i+1]) {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

// Validate is text0's strict submit-boundary check: the snapshot is a
// string, the op an array of {p, i} or {p, d} components with a
// non-negative integer p inside the text, non-empty strings, no other keys,
// offsets that do not split a surrogate pair, and deletes that match the
// text. Components are checked in order against the text as the previous
// ones left it.
func (*Text0) Validate(snapshot, op any) error {
	s, ok := snapshot.(string)
	if !ok {
		return fmt.Errorf("%w: text0 snapshot must be a string", ot.ErrInvalidOp)
	}
	list, ok := op.([]any)
	if !ok {
		return fmt.Errorf("%w: text0 op must be an array of components", ot.ErrInvalidOp)
	}
	for i, cv := range list {
		c, ok := cv.(map[string]any)
		if !ok {
			return invalid(i, "text0 component must be an object")
		}
		var err error
		if s, err = validateTextComponent(i, s, c); err != nil {
			return err
		}
	}
	return nil
}
