package stubtypes

import (
	"fmt"
	"math"

	"github.com/weftdev/weft/internal/ot"
)

// Number returns the number-type.
func Number() ot.Type { return number{} }

type number struct{}

func (number) Name() string { return "number-type" }
func (number) URI() string  { return "http://weft.dev/types/number-type" }

// Create returns data|0 as JavaScript computes it for numbers (other data
// gives 0).
func (number) Create(data any) (any, error) {
	f, ok := data.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0.0, nil
	}
	return float64(int32(uint32(int64(math.Trunc(f)) & 0xffffffff))), nil
}

func (number) Apply(snapshot, op any) (any, error) {
	s, err := num(snapshot)
	if err != nil {
		return nil, err
	}
	o, err := num(op)
	if err != nil {
		return nil, err
	}
	return s + o, nil
}

func (number) Transform(op, _ any, _ ot.Side) (any, error) { return op, nil }

func (number) Compose(a, b any) (any, error) {
	x, err := num(a)
	if err != nil {
		return nil, err
	}
	y, err := num(b)
	if err != nil {
		return nil, err
	}
	return x + y, nil
}

func (number) Normalize(op any) (any, error) { return op, nil }

func (number) Validate(_, op any) error {
	if _, err := num(op); err != nil {
		return fmt.Errorf("%w: %v", ot.ErrInvalidOp, err)
	}
	return nil
}

func num(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	}
	return 0, fmt.Errorf("number-type: %T is not a number", v)
}
