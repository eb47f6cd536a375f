package textunicode

import (
	"fmt"
	"math"

	"github.com/weftdev/weft/internal/ot"
)

// Name and URI are the type's names as ShareDB registers it.
const (
	Name = "text-unicode"
	URI  = "http://sharejs.org/types/text-unicode"
)

// Type is the text-unicode OT type. Its snapshots are Go strings, and
// *Text for documents of more than 8 KB (see Apply); its ops
// are accepted as JSON trees, Op or *Op values, or the values its methods
// return. Its methods return ops as *Op or, for single-edit results, as a
// compact value of the package's own (pointers box without allocating);
// the package's functions return Op values.
type Type struct {
	sizes *ropeSizes // nil: the default sizes (tests set others)
}

// New returns the text-unicode type.
func New() Type { return Type{} }

var (
	_ ot.Type     = Type{}
	_ ot.Inverter = Type{}
)

// Name returns "text-unicode".
func (Type) Name() string { return Name }

// URI returns "http://sharejs.org/types/text-unicode".
func (Type) URI() string { return URI }

// Create returns data as the initial snapshot: "" for nil, the string
// itself for a string, and the reference's error otherwise.
func (Type) Create(data any) (any, error) { return create(data) }

// PersistentSnapshots marks the type as ot.Persistent: a snapshot is a Go
// string or an immutable *Text, which Apply cannot modify.
func (Type) PersistentSnapshots() {}

// Apply returns snapshot (a string or *Text) with op applied: a string
// when the result has at most 8 KB, a *Text (sharing the parts of the
// snapshot the op keeps) when it is larger.
func (t Type) Apply(snapshot, op any) (any, error) {
	if e, ok := editOf(op); ok {
		if r, ok, err := t.rope().applyEdit(snapshot, &e); ok {
			return r, err
		}
	}
	o, err := parse(op)
	if err != nil {
		return nil, err
	}
	return t.rope().apply(snapshot, o)
}

// Transform returns op transformed over other. On a tie the Left op's
// insert goes first.
func (Type) Transform(op, other any, side ot.Side) (any, error) {
	if x, ok := editOf(op); ok {
		if y, ok := editOf(other); ok {
			if e, same, ok := transformEdits(&x, &y, side == ot.Left); ok {
				if same && isOp(op) {
					return op, nil // ops are immutable: share it
				}
				r := e // only a result escapes to the heap
				return &r, nil
			}
		}
	}
	a, err := parse(op)
	if err != nil {
		return nil, err
	}
	b, err := parse(other)
	if err != nil {
		return nil, err
	}
	return boxed(transformAll(a, b, side == ot.Left))
}

// boxedString returns Apply's result as an interface value.
func boxedString(s string, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

// isOp reports whether v is an op value of this package (rather than a
// JSON tree, which may carry a different shape or a caller's later edits).
func isOp(v any) bool {
	switch v.(type) {
	case Op, *Op, *edit:
		return true
	}
	return false
}

// boxed returns a result as the Type methods do: as *Op (boxing a pointer
// costs no allocation), or an untyped nil with an error.
func boxed(p *Op, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}

// deref returns a result as the exported functions do: as an Op.
func deref(p *Op, err error) (Op, error) {
	if err != nil {
		return nil, err
	}
	return *p, nil
}

// TransformSide is the reference's transform(op, other, side) with side as
// the reference takes it: anything but "left" or "right" is an error.
func TransformSide(op, other, side any) (Op, error) {
	s, _ := side.(string)
	if s != "left" && s != "right" {
		return nil, sideError(side)
	}
	a, err := parse(op)
	if err != nil {
		return nil, err
	}
	b, err := parse(other)
	if err != nil {
		return nil, err
	}
	return deref(transform(a, b, s == "left"))
}

// Compose returns one op with the effect of a followed by b.
func (Type) Compose(a, b any) (any, error) {
	if x, ok := editOf(a); ok {
		if y, ok := editOf(b); ok {
			if sp, ok := composeEdits(&x, &y); ok {
				return sp.composeResult(), nil
			}
		}
	}
	x, err := parse(a)
	if err != nil {
		return nil, err
	}
	y, err := parse(b)
	if err != nil {
		return nil, err
	}
	return boxed(composeAll(x, y))
}

// Normalize returns the reference's normalize(op): no-op components
// dropped, neighbours of one kind merged, the trailing skip trimmed. It
// does not check the op (but fails on null and malformed objects).
func (Type) Normalize(op any) (any, error) {
	o, err := parse(op)
	if err != nil {
		return nil, err
	}
	return boxed(normalize(o))
}

// Invert returns the inverse of op, whose deletes must all carry their text.
func (Type) Invert(op any) (any, error) {
	o, err := parse(op)
	if err != nil {
		return nil, err
	}
	return boxed(invert(o))
}

// MakeInvertible returns op with every {d:N} replaced by {d:text}, the
// text of doc (a string or *Text) it deletes.
func MakeInvertible(op, doc any) (Op, error) {
	o, err := parse(op)
	if err != nil {
		return nil, err
	}
	s, ok := snapshotText(doc)
	if !ok {
		return nil, &jsTypeError{"document is not a string"}
	}
	return deref(makeInvertible(o, s))
}

// InvertWithDoc is Invert(MakeInvertible(op, doc)).
func InvertWithDoc(op, doc any) (Op, error) {
	o, err := MakeInvertible(op, doc)
	if err != nil {
		return nil, err
	}
	return deref(invert(o))
}

// StripInvertible returns op with every {d:text} replaced by {d:N}.
func StripInvertible(op any) (Op, error) {
	o, err := parse(op)
	if err != nil {
		return nil, err
	}
	return deref(stripInvertible(o))
}

// IsInvertible reports whether every delete in op carries its text.
func IsInvertible(op any) (bool, error) {
	o, err := parse(op)
	if err != nil {
		return false, err
	}
	return isInvertible(o)
}

// IsNoop reports whether op has no components. A non-array is not a no-op.
func IsNoop(op any) bool {
	o, err := parse(op)
	return err == nil && len(o) == 0
}

// TransformPosition returns cursor (a code-point offset) moved over op. It
// takes no side: an insert exactly at the cursor does not move it. It fails
// if the result is not an integer, which only ops with fractional lengths
// (rejected by Validate) can cause; TransformSelection returns those.
func TransformPosition(cursor int, op any) (int, error) {
	o, err := parse(op)
	if err != nil {
		return 0, err
	}
	p, err := transformPosition(float64(cursor), o)
	if err != nil {
		return 0, err
	}
	if p != math.Trunc(p) || math.Abs(p) > 1<<53 {
		return 0, fmt.Errorf("text-unicode: position %v is not an integer", p)
	}
	return int(p), nil
}

// TransformSelection is the reference's transformSelection: selection is a
// number (a cursor) or an array of numbers (such as [anchor, focus]), each
// moved as TransformPosition moves it. The result has the same shape, with
// float64 numbers.
func TransformSelection(selection, op any) (any, error) {
	o, err := parse(op)
	if err != nil {
		return nil, err
	}
	return transformSelection(selection, o)
}

// InsertOp is the reference module's insert(pos, text): [] for empty text,
// [text] at 0, [pos, text] otherwise. It does not validate pos.
func InsertOp(pos int, text string) Op {
	switch {
	case text == "":
		return Op{}
	case pos == 0:
		return Op{Insert(text)}
	}
	return Op{Skip(pos), Insert(text)}
}

// RemoveOp is the reference module's remove(pos, n): [] for n == 0,
// [{d:n}] at 0, [pos, {d:n}] otherwise.
func RemoveOp(pos, n int) Op { return remove(pos, Delete(n)) }

// RemoveTextOp is the reference module's remove(pos, text): the invertible
// form of RemoveOp.
func RemoveTextOp(pos int, text string) Op { return remove(pos, DeleteText(text)) }

func remove(pos int, d Component) Op {
	switch {
	case dlen(d) == 0:
		return Op{}
	case pos == 0:
		return Op{d}
	}
	return Op{Skip(pos), d}
}
