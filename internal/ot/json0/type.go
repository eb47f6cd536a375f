package json0

import (
	"github.com/weftdev/weft/internal/ot"
)

// Subtype is an OT type embedded in json0 documents through components
// {p, t: name, o: op}. Text0 is the one json0 registers.
type Subtype interface {
	Name() string
	Apply(snapshot, op any) (any, error)
	Compose(a, b any) (any, error)
	Transform(op, other any, side ot.Side) (any, error)
	Invert(op any) (any, error)
}

// Type is the json0 OT type (ot-json0 1.1.0). It is immutable and safe for
// concurrent use.
type Type struct {
	subtypes map[string]Subtype
	boot     bootstrap
}

var (
	_ ot.Type         = (*Type)(nil)
	_ ot.XTransformer = (*Type)(nil)
	_ ot.Inverter     = (*Type)(nil)
)

// New returns the json0 type with text0 registered as its subtype.
func New() *Type { return NewWithSubtypes() }

// NewWithSubtypes returns json0 with text0 and extra registered, an extra
// subtype replacing text0 if it has its name.
func NewWithSubtypes(extra ...Subtype) *Type {
	t := &Type{subtypes: map[string]Subtype{"text0": NewText0()}}
	for _, s := range extra {
		t.subtypes[s.Name()] = s
	}
	t.boot = bootstrap{component: t.transformComponent, check: checkValidOp, append: t.appendComponent,
		appendOwned: func(dest []any, c any) ([]any, error) {
			if m, ok := c.(map[string]any); ok {
				return t.appendOwned(dest, m)
			}
			return t.appendComponent(dest, c)
		}}
	return t
}

// Name returns "json0".
func (*Type) Name() string { return "json0" }

// URI returns "http://sharejs.org/types/JSONv0".
func (*Type) URI() string { return "http://sharejs.org/types/JSONv0" }

// subtype returns the subtype a component's t names, or nil when t is
// falsy or names no registered subtype.
func (t *Type) subtype(name any) Subtype {
	if !truthy(name) {
		return nil
	}
	return t.subtypes[propertyKey(name)]
}

// Create returns a deep copy of data (nil for no data), as the reference's
// JSON round trip makes it.
func (*Type) Create(data any) (any, error) {
	v := cloneJSON(data)
	if isUndef(v) {
		return nil, nil
	}
	return v, nil
}

// Apply applies op to snapshot. The snapshot is modified in place where
// possible (only the containers on each component's path are touched) and
// the new snapshot returned; on error every modification is rolled back and
// the snapshot is unchanged. Values inserted from op are copies.
func (t *Type) Apply(snapshot, op any) (any, error) {
	if _, err := checkValidOp(op); err != nil {
		return nil, err
	}
	list := op.([]any)
	r := root{data: snapshot, present: true}
	if len(list) == 1 {
		// A component changes the document only as its last step, so a
		// single component needs no undo log.
		if err := t.applyOp(&r, list, nil); err != nil {
			return nil, err
		}
		return r.data, nil
	}
	u := &undoLog{}
	if err := t.applyOp(&r, list, u); err != nil {
		u.rollback()
		return nil, err
	}
	return r.data, nil
}

// applyValue is the reference's apply on a value the caller owns; the
// result may be undefined (a root od).
func (t *Type) applyValue(v any, op []any) (any, error) {
	if _, err := checkValidOp(op); err != nil {
		return nil, err
	}
	r := root{data: v, present: true}
	var u undoLog
	if err := t.applyOp(&r, op, &u); err != nil {
		return nil, err
	}
	return r.value(), nil
}

// Transform returns op transformed to apply after other. On a tie the Left
// op's list or string insert goes first and its object insert wins.
func (t *Type) Transform(op, other any, side ot.Side) (any, error) {
	return t.boot.transform(op, other, side)
}

// TransformX returns left transformed over right and right transformed over
// left, as ShareDB clients compute them.
func (t *Type) TransformX(left, right any) (any, any, error) {
	l, r, err := t.boot.transformX(left, right)
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// Invert returns the op that undoes op (the reference's invert: it needs
// the deleted values recorded in ld/od/sd to be accurate).
func (t *Type) Invert(op any) (any, error) {
	list, err := asList(op)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		c, err := t.invertComponent(list[i])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (t *Type) invertComponent(cv any) (map[string]any, error) {
	c, ok := cv.(map[string]any)
	if !ok {
		if cv == nil {
			return nil, typeError("Cannot read properties of null (reading 'p')")
		}
		return map[string]any{}, nil
	}
	out := map[string]any{}
	if p, ok := c["p"]; ok {
		out["p"] = p
	}
	if sub := t.subtype(field(c, "t")); sub != nil {
		o, err := sub.Invert(field(c, "o"))
		if err != nil {
			return nil, err
		}
		out["t"] = c["t"]
		out["o"] = o
	}
	for _, kv := range [][2]string{{"si", "sd"}, {"sd", "si"}, {"oi", "od"}, {"od", "oi"}, {"li", "ld"}, {"ld", "li"}} {
		if v, ok := c[kv[0]]; ok {
			out[kv[1]] = v
		}
	}
	if v, ok := c["na"]; ok {
		out["na"] = negate(v)
	}
	if lm, ok := c["lm"]; ok {
		p, ok := c["p"].([]any)
		if !ok {
			return nil, typeError("Cannot read properties of undefined (reading 'length')")
		}
		if len(p) > 0 {
			out["lm"] = p[len(p)-1]
			out["p"] = append(append([]any(nil), p[:len(p)-1]...), lm)
		} else {
			out["p"] = []any{lm}
		}
	}
	return out, nil
}

// Shatter splits op into single-component ops.
func (*Type) Shatter(op any) (any, error) {
	list, err := asList(op)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(list))
	for i, c := range list {
		out[i] = []any{c}
	}
	return out, nil
}

// CheckValidOp is the reference's checkValidOp: it only requires every
// component to have an array p, failing with "Missing path". (Validate is
// the strict check.)
func (*Type) CheckValidOp(op any) error {
	_, err := checkValidOp(op)
	return err
}
