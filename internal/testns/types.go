package testns

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf16"

	"github.com/weftdev/weft/internal/ot"
)

// TestTypes returns the OT types that sharedb's client tests register,
// ported to Go: number-type, test-deserialized-type,
// test-deserialized-type2 and presence-test-type. They exist only so that
// a test namespace can host those tests; no product route serves them.
func TestTypes() []ot.Type {
	return []ot.Type{
		numberType{},
		deserializedType{name: "test-deserialized-type"},
		deserializedType{name: "test-deserialized-type2"},
		presenceTestType{},
	}
}

var errNoCompose = errors.New("compose is not supported by this type")

// numberType: the snapshot is an integer, an op a number added to it.
type numberType struct{}

func (numberType) Name() string { return "number-type" }
func (numberType) URI() string  { return "http://sharejs.org/types/number-type" }

// Create returns data | 0 (JavaScript's ToInt32).
func (numberType) Create(data any) (any, error) {
	switch v := data.(type) {
	case float64:
		return float64(toInt32(v)), nil
	case bool:
		if v {
			return 1.0, nil
		}
	}
	return 0.0, nil
}

func toInt32(f float64) int32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int32(uint32(int64(math.Mod(math.Trunc(f), 1<<32))))
}

func (numberType) Apply(snapshot, op any) (any, error) {
	s, ok1 := snapshot.(float64)
	o, ok2 := op.(float64)
	if !ok1 || !ok2 {
		return nil, errors.New("number-type: op and snapshot must be numbers")
	}
	return s + o, nil
}

func (numberType) Transform(op, _ any, _ ot.Side) (any, error) { return op, nil }
func (numberType) Compose(_, _ any) (any, error)               { return nil, errNoCompose }
func (numberType) Normalize(op any) (any, error)               { return op, nil }

func (numberType) Validate(_, op any) error {
	if _, ok := op.(float64); !ok {
		return fmt.Errorf("%w: number-type op must be a number", ot.ErrInvalidOp)
	}
	return nil
}

// deserializedType: the snapshot is a JSON array, an op {insert, value}.
// Apply inserts value at index 0 whatever insert says, as the reference's
// serialized apply does (it splices at array.insert, which is undefined).
type deserializedType struct{ name string }

func (t deserializedType) Name() string { return t.name }
func (t deserializedType) URI() string  { return "http://sharejs.org/types/" + t.name }

func (deserializedType) Create(data any) (any, error) {
	if data == nil || data == false || data == 0.0 || data == "" {
		return []any{}, nil
	}
	return data, nil
}

func insertOp(op any) (float64, any, bool) {
	m, ok := op.(map[string]any)
	if !ok {
		return 0, nil, false
	}
	i, ok := m["insert"].(float64)
	return i, m["value"], ok
}

func (deserializedType) Apply(snapshot, op any) (any, error) {
	arr, ok := snapshot.([]any)
	_, v, isInsert := insertOp(op)
	if !ok || !isInsert {
		return nil, refError("Op not recognized")
	}
	return append([]any{v}, arr...), nil
}

func (deserializedType) Transform(op, other any, side ot.Side) (any, error) {
	i, v, ok1 := insertOp(op)
	j, _, ok2 := insertOp(other)
	if !ok1 || !ok2 {
		return nil, refError("Op not recognized")
	}
	if j < i || (j == i && side == ot.Left) {
		i++
	}
	return map[string]any{"insert": i, "value": v}, nil
}

func (deserializedType) Compose(_, _ any) (any, error) { return nil, errNoCompose }
func (deserializedType) Normalize(op any) (any, error) { return op, nil }

func (deserializedType) Validate(snapshot, op any) error {
	if _, ok := snapshot.([]any); !ok {
		return fmt.Errorf("%w: snapshot is not an array", ot.ErrInvalidOp)
	}
	if _, _, ok := insertOp(op); !ok {
		return fmt.Errorf("%w: Op not recognized", ot.ErrInvalidOp)
	}
	return nil
}

// presenceTestType: the snapshot is a string, an op {index, value} (insert)
// or {index, del} (delete count), indexes in UTF-16 code units. It has no
// transform, so concurrent ops on it fail; it transforms presence {index}.
type presenceTestType struct{}

func (presenceTestType) Name() string { return "presence-test-type" }
func (presenceTestType) URI() string  { return "http://sharejs.org/types/presence-test-type" }

func (presenceTestType) Create(data any) (any, error) {
	if s, ok := data.(string); ok {
		return s, nil
	}
	return "", nil
}

// textOp reads {index, value} or {index, del}; value wins when truthy, as
// in the reference.
func textOp(op any) (index int, value string, del int, err error) {
	m, ok := op.(map[string]any)
	if !ok {
		return 0, "", 0, refError("Invalid op")
	}
	idx, _ := m["index"].(float64)
	if v, ok := m["value"].(string); ok && v != "" {
		return int(idx), v, 0, nil
	}
	if d, ok := m["del"].(float64); ok && d > 0 {
		return int(idx), "", int(d), nil
	}
	return 0, "", 0, refError("Invalid op")
}

func (presenceTestType) Apply(snapshot, op any) (any, error) {
	s, ok := snapshot.(string)
	if !ok {
		return nil, refError("Invalid snapshot")
	}
	idx, value, del, err := textOp(op)
	if err != nil {
		return nil, err
	}
	u := utf16.Encode([]rune(s))
	idx = max(0, min(idx, len(u)))
	end := max(idx, min(idx+del, len(u)))
	out := append(append(append([]uint16(nil), u[:idx]...), utf16.Encode([]rune(value))...), u[end:]...)
	return string(utf16.Decode(out)), nil
}

func (presenceTestType) Transform(_, _ any, _ ot.Side) (any, error) {
	return nil, errors.New("type.transform is not a function")
}
func (presenceTestType) Compose(_, _ any) (any, error) { return nil, errNoCompose }
func (presenceTestType) Normalize(op any) (any, error) { return op, nil }

func (presenceTestType) Validate(_, op any) error {
	if _, _, _, err := textOp(op); err != nil {
		return fmt.Errorf("%w: %v", ot.ErrInvalidOp, err)
	}
	return nil
}

// TransformPresence moves {index} over op as the reference does.
func (presenceTestType) TransformPresence(presence, op any, isOwnOp bool) (any, error) {
	p, ok := presence.(map[string]any)
	if !ok || presence == nil {
		return presence, nil
	}
	pi, isNum := p["index"].(float64)
	idx, value, del, err := textOp(op)
	if err != nil {
		return nil, err
	}
	if isNum && (pi < float64(idx) || (pi == float64(idx) && !isOwnOp)) {
		return presence, nil
	}
	if !isNum {
		return nil, refError("Presence index is not a number")
	}
	if value != "" {
		return map[string]any{"index": pi + float64(len(utf16.Encode([]rune(value))))}, nil
	}
	return map[string]any{"index": pi - float64(del)}, nil
}

// refError returns an error with the reference's message verbatim (the
// messages start with a capital letter, as in the JavaScript test types).
func refError(msg string) error { return errors.New(msg) }
