package richtext

import (
	"fmt"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// goCall runs an oracle call against the Go port: the same function with
// the same arguments, as tools/otoracle/oracle.js maps it.
func goCall(c oracle.Call) (any, error) {
	typ := New()
	arg := func(i int) any {
		if i < len(c.Args) {
			return c.Args[i]
		}
		return nil
	}
	switch c.Fn {
	case "create":
		return typ.Create(arg(0))
	case "apply":
		return typ.Apply(arg(0), arg(1))
	case "compose":
		return typ.Compose(arg(0), arg(1))
	case "transform":
		side := ot.Right
		if arg(2) == "left" {
			side = ot.Left
		}
		return typ.Transform(arg(0), arg(1), side)
	case "transformPresence":
		return typ.TransformPresence(arg(0), arg(1), arg(2) == true)
	case "transformCursor", "transformPosition":
		pos, ok := arg(0).(float64)
		if !ok {
			return nil, fmt.Errorf("position %v is not a number", arg(0))
		}
		if c.Fn == "transformCursor" {
			n, err := TransformCursor(int(pos), arg(1), arg(2) == true)
			return float64(n), err
		}
		n, err := TransformPosition(int(pos), arg(1), arg(2) == true)
		return float64(n), err
	case "normalize":
		return typ.Normalize(arg(0))
	case "serialize":
		return Serialize(arg(0))
	case "deserialize":
		return Deserialize(arg(0))
	case "invert":
		return Invert(arg(0), arg(1))
	}
	return nil, fmt.Errorf("no Go function for %s", c.Fn)
}

// tree converts a Go result to a JSON tree.
func tree(v any) any {
	if d, ok := v.(*Delta); ok {
		return d.Tree()
	}
	return v
}
