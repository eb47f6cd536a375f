package richtext

import (
	"fmt"
	"math"

	"github.com/weftdev/weft/internal/ot"
)

// Name and URI identify the type, as ShareDB registers it.
const (
	Name = "rich-text"
	URI  = "http://sharejs.org/types/rich-text/v1"
)

// Type is the rich-text OT type. The zero value is ready to use and safe
// for concurrent use.
type Type struct{}

var (
	_ ot.Type                = Type{}
	_ ot.PresenceTransformer = Type{}
)

// New returns the rich-text type.
func New() Type { return Type{} }

// Name returns "rich-text".
func (Type) Name() string { return Name }

// URI returns "http://sharejs.org/types/rich-text/v1".
func (Type) URI() string { return URI }

// Create returns the document for data: an array of ops or {"ops":[...]};
// anything else (including nil) is the empty document.
func (Type) Create(data any) (any, error) {
	ops, err := toOps(data)
	if err != nil {
		return nil, err
	}
	return newDelta(ops), nil
}

// Apply returns snapshot composed with op. The snapshot given is not
// modified; the result shares its unchanged elements.
func (Type) Apply(snapshot, op any) (any, error) {
	return Compose(snapshot, op)
}

// PersistentSnapshots marks the type as ot.Persistent: Apply never
// modifies the *Delta it is given (FuzzCompose checks it), so keeping an
// older snapshot needs no copy.
func (Type) PersistentSnapshots() {}

// Compose returns a followed by b.
func (Type) Compose(a, b any) (any, error) { return Compose(a, b) }

// Compose is the *Delta-typed form of Type.Compose and Type.Apply.
func Compose(a, b any) (*Delta, error) {
	ea, okA := editOf(a)
	eb, okB := editOf(b)
	if okA && okB {
		if r, ok := composeEdits(&ea, &eb); ok {
			return r.delta(), nil
		}
	}
	var x []chunk
	var err error
	if _, isDelta := a.(*Delta); okA && !isDelta {
		// Parsed already; compose shares a's elements, so they go on the
		// heap as parsing would put them.
		s := &smallList2{}
		s.c[0] = newChunk(ea.appendTo(s.ops[:0]))
		x = s.c[:]
	} else if x, err = toOps(a); err != nil {
		return nil, err
	}
	// A short b is parsed on the stack: compose keeps only copies of its
	// elements (it shares a's, never b's).
	var buf [4]Op
	var one [1]chunk
	var y []chunk
	var short chunk
	if okB {
		short = newChunk(eb.appendTo(buf[:0]))
	} else if y, short, err = toOpsInto(b, buf[:]); err != nil {
		return nil, err
	}
	if short.ops != nil {
		one[0] = short
		y = one[:]
	}
	return compose(x, y)
}

// Transform returns op rewritten to apply after other. The tie-break is
// reversed from text-unicode and json0: with ot.Left, other is taken to
// have happened first, so at one index other's insert goes first.
func (Type) Transform(op, other any, side ot.Side) (any, error) {
	return Transform(op, other, side)
}

// Transform is the *Delta-typed form of Type.Transform.
func Transform(op, other any, side ot.Side) (*Delta, error) {
	ex, okX := editOf(op)
	ey, okY := editOf(other)
	if okX && okY {
		if r, ok := transformEdits(&ex, &ey, side == ot.Left); ok {
			return r.delta(), nil
		}
	}
	// Short ops are parsed on the stack: transform keeps nothing of them
	// but copies of their elements.
	var bufX, bufY [4]Op
	var oneX, oneY [1]chunk
	var x, y []chunk
	var shortX, shortY chunk
	var err error
	if okX {
		shortX = newChunk(ex.appendTo(bufX[:0]))
	} else if x, shortX, err = toOpsInto(op, bufX[:]); err != nil {
		return nil, err
	}
	if okY {
		shortY = newChunk(ey.appendTo(bufY[:0]))
	} else if y, shortY, err = toOpsInto(other, bufY[:]); err != nil {
		return nil, err
	}
	if shortX.ops != nil {
		oneX[0] = shortX
		x = oneX[:]
	}
	if shortY.ops != nil {
		oneY[0] = shortY
		y = oneY[:]
	}
	return transform(y, x, side == ot.Left)
}

// Normalize returns op unchanged, as the reference does.
func (Type) Normalize(op any) (any, error) { return op, nil }

// TransformCursor returns cursor position pos (UTF-16 units) moved over
// op. An insert exactly at pos pushes it only when isOwnOp.
func TransformCursor(pos int, op any, isOwnOp bool) (int, error) {
	ops, err := toOps(op)
	if err != nil {
		return 0, err
	}
	return int(transformPosition(ops, float64(pos), !isOwnOp)), nil
}

// TransformPosition is Delta#transformPosition: with priority, an insert
// exactly at pos does not move it.
func TransformPosition(pos int, op any, priority bool) (int, error) {
	ops, err := toOps(op)
	if err != nil {
		return 0, err
	}
	return int(transformPosition(ops, float64(pos), priority)), nil
}

// TransformPresence moves a presence range {index, length, ...} over op,
// keeping its other fields. A nil presence stays nil.
func (Type) TransformPresence(presence, op any, isOwnOp bool) (any, error) {
	switch p := presence.(type) {
	case nil:
		return nil, nil
	case bool, float64, string: // JavaScript's falsy values give null
		if p == false || p == 0.0 || p == "" {
			return nil, nil
		}
	}
	r, ok := presence.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("rich-text: presence must be an object")
	}
	index, ok1 := number(r["index"])
	length, ok2 := number(r["length"])
	if !ok1 || !ok2 || math.IsNaN(index+length) || math.IsInf(index+length, 0) {
		return nil, fmt.Errorf("rich-text: presence index and length must be numbers")
	}
	ops, err := toOps(op)
	if err != nil {
		return nil, err
	}
	start := transformPosition(ops, index, !isOwnOp)
	end := transformPosition(ops, index+length, !isOwnOp)
	out := make(map[string]any, len(r))
	for k, v := range r {
		out[k] = v
	}
	out["index"], out["length"] = start, end-start
	return out, nil
}

// Invert returns the op that undoes op applied to base (Delta#invert, used
// for undo).
func Invert(op, base any) (*Delta, error) {
	x, err := toOps(op)
	if err != nil {
		return nil, err
	}
	y, err := toOps(base)
	if err != nil {
		return nil, err
	}
	return invert(x, y)
}

// Serialize returns a document's ops array as a JSON tree (the
// reference's serialize).
func Serialize(snapshot any) ([]any, error) {
	ops, err := toOps(snapshot)
	if err != nil {
		return nil, err
	}
	return opsTree(ops), nil
}

// Deserialize wraps an ops array into a document (the reference's
// deserialize).
func Deserialize(ops any) (*Delta, error) {
	list, err := toOps(ops)
	if err != nil {
		return nil, err
	}
	return newDelta(list), nil
}
