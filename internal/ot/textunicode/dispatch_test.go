package textunicode

import (
	"errors"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// callGo runs the Go function the oracle calls fn, with the same JSON
// arguments, so differential and regression tests drive both sides alike.
func callGo(fn string, args []any) (any, error) {
	arg := func(i int) any {
		if i < len(args) {
			return args[i]
		}
		return nil
	}
	typ := New()
	switch fn {
	case "create":
		if len(args) > 0 && args[0] == nil {
			return nil, errInitialData // JavaScript's default applies to undefined only
		}
		return typ.Create(arg(0))
	case "apply":
		return typ.Apply(arg(0), arg(1))
	case "compose":
		return typ.Compose(arg(0), arg(1))
	case "transform":
		// The Type's method (what the server calls) for a valid side;
		// TransformSide for the reference's side errors.
		if side, err := ot.ParseSide(fmt.Sprint(arg(2))); err == nil && (arg(2) == "left" || arg(2) == "right") {
			return typ.Transform(arg(0), arg(1), side)
		}
		return TransformSide(arg(0), arg(1), arg(2))
	case "normalize":
		return typ.Normalize(arg(0))
	case "checkOp":
		return nil, CheckOp(arg(0))
	case "transformPosition":
		if p, ok := arg(0).(float64); ok && p == float64(int(p)) {
			return TransformPosition(int(p), arg(1))
		}
		return TransformSelection(arg(0), arg(1))
	case "transformSelection":
		return TransformSelection(arg(0), arg(1))
	}
	return callInvertFamily(fn, args, arg)
}

func callInvertFamily(fn string, args []any, arg func(int) any) (any, error) {
	switch fn {
	case "invert":
		return New().Invert(arg(0))
	case "makeInvertible":
		return MakeInvertible(arg(0), arg(1))
	case "invertWithDoc":
		return InvertWithDoc(arg(0), arg(1))
	case "stripInvertible":
		return StripInvertible(arg(0))
	case "isInvertible":
		return IsInvertible(arg(0))
	case "isNoop":
		return IsNoop(arg(0)), nil
	case "insert", "remove":
		return callHelper(fn, arg(0), arg(1))
	}
	return nil, fmt.Errorf("no Go function for %q (%d args)", fn, len(args))
}

func callHelper(fn string, posArg, x any) (any, error) {
	p, ok := posArg.(float64)
	if !ok || p != float64(int(p)) {
		return nil, errors.New("helper position must be an integer")
	}
	pos := int(p)
	switch v := x.(type) {
	case string:
		if fn == "insert" {
			return InsertOp(pos, v), nil
		}
		return RemoveTextOp(pos, v), nil
	case float64:
		if fn == "remove" && v == float64(int(v)) {
			return RemoveOp(pos, int(v)), nil
		}
	}
	return nil, errors.New("unsupported helper arguments")
}
