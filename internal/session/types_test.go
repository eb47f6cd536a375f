package session

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/ot"
)

// textType is a small plain-text test type. The snapshot is a string; an op
// is {"p":n,"i":"text"} (insert at code point n) or {"p":n,"d":1} (delete the
// code point at n; "d":0 is a no-op). Presence is {"index":n}.
type textType struct{}

const textURI = "http://weft.test/types/text"

type textOp struct {
	p   int
	ins string
	del int
}

func (textType) Name() string { return "test-text" }
func (textType) URI() string  { return textURI }

func (textType) Create(data any) (any, error) {
	if data == nil {
		return "", nil
	}
	s, ok := data.(string)
	if !ok {
		return nil, errors.New("text data must be a string")
	}
	return s, nil
}

func parseTextOp(op any) (textOp, error) {
	m, ok := op.(map[string]any)
	if !ok {
		return textOp{}, fmt.Errorf("%w: op must be an object", ot.ErrInvalidOp)
	}
	p, ok := toInt(m["p"])
	if !ok || p < 0 {
		return textOp{}, fmt.Errorf("%w: bad p", ot.ErrInvalidOp)
	}
	if s, ok := m["i"].(string); ok {
		return textOp{p: int(p), ins: s}, nil
	}
	d, ok := toInt(m["d"])
	if !ok || d < 0 || d > 1 {
		return textOp{}, fmt.Errorf("%w: bad d", ot.ErrInvalidOp)
	}
	return textOp{p: int(p), del: int(d)}, nil
}

func (o textOp) json() any {
	if o.ins != "" {
		return map[string]any{"p": float64(o.p), "i": o.ins}
	}
	return map[string]any{"p": float64(o.p), "d": float64(o.del)}
}

func (t textType) Apply(snapshot, op any) (any, error) {
	s, _ := snapshot.(string)
	o, err := parseTextOp(op)
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	if o.p > len(r) || (o.del > 0 && o.p >= len(r)) {
		return nil, errors.New("position out of range")
	}
	if o.ins != "" {
		return string(r[:o.p]) + o.ins + string(r[o.p:]), nil
	}
	return string(r[:o.p]) + string(r[o.p+o.del:]), nil
}

func (t textType) Validate(snapshot, op any) error {
	if _, err := t.Apply(snapshot, op); err != nil {
		return fmt.Errorf("%w: %v", ot.ErrInvalidOp, err)
	}
	return nil
}

func (t textType) Transform(op, other any, side ot.Side) (any, error) {
	a, err := parseTextOp(op)
	if err != nil {
		return nil, err
	}
	b, err := parseTextOp(other)
	if err != nil {
		return nil, err
	}
	return transformText(a, b, side).json(), nil
}

func transformText(a, b textOp, side ot.Side) textOp {
	bl := utf8.RuneCountInString(b.ins)
	switch {
	case b.ins != "" && (b.p < a.p || (b.p == a.p && (a.ins == "" || side == ot.Right))):
		a.p += bl
	case b.del == 1 && a.ins != "" && a.p > b.p:
		a.p--
	case b.del == 1 && a.ins == "" && a.p > b.p:
		a.p--
	case b.del == 1 && a.ins == "" && a.p == b.p:
		a.del = 0
	}
	return a
}

func (textType) Compose(a, b any) (any, error) { return nil, errors.New("compose not supported") }
func (textType) Normalize(op any) (any, error) { return op, nil }

func (textType) TransformPresence(presence, op any, isOwnOp bool) (any, error) {
	m, ok := presence.(map[string]any)
	if !ok {
		return nil, errors.New("bad presence")
	}
	idx, ok := toInt(m["index"])
	if !ok {
		return nil, errors.New("bad presence index")
	}
	o, err := parseTextOp(op)
	if err != nil {
		return nil, err
	}
	i := int(idx)
	switch {
	case o.ins != "" && (o.p < i || (o.p == i && isOwnOp)):
		i += utf8.RuneCountInString(o.ins)
	case o.del == 1 && o.p < i:
		i--
	}
	return map[string]any{"index": float64(i)}, nil
}

// counterType: the snapshot is a number, an op a number to add.
type counterType struct{}

const counterURI = "http://weft.test/types/counter"

func (counterType) Name() string { return "test-counter" }
func (counterType) URI() string  { return counterURI }
func (counterType) Create(data any) (any, error) {
	if data == nil {
		return 0.0, nil
	}
	f, ok := data.(float64)
	if !ok {
		return nil, errors.New("counter data must be a number")
	}
	return f, nil
}

// counterAmount reads a counter op: a number, or {"n": number, "pad": any}
// (padding lets tests send large ops).
func counterAmount(op any) (float64, bool) {
	if m, ok := op.(map[string]any); ok {
		op = m["n"]
	}
	f, ok := op.(float64)
	return f, ok
}

func (counterType) Apply(s, op any) (any, error) {
	f, ok := counterAmount(op)
	if !ok {
		return nil, errors.New("counter op must be a number")
	}
	cur, _ := s.(float64)
	return cur + f, nil
}
func (c counterType) Validate(s, op any) error {
	if _, ok := counterAmount(op); !ok {
		return fmt.Errorf("%w: counter op must be a number", ot.ErrInvalidOp)
	}
	return nil
}
func (counterType) Transform(op, other any, side ot.Side) (any, error) { return op, nil }
func (counterType) Compose(a, b any) (any, error)                      { return nil, errors.New("no compose") }
func (counterType) Normalize(op any) (any, error)                      { return op, nil }

func testRegistry() *ot.Registry {
	r, err := ot.NewRegistry(textType{}, counterType{}, persistentText{})
	if err != nil {
		panic(err)
	}
	return r
}

// persistentText is textType declared ot.Persistent (its snapshots are Go
// strings): a lost commit race rolls back instead of reloading.
type persistentText struct{ textType }

func (persistentText) Name() string         { return "test-ptext" }
func (persistentText) URI() string          { return "http://weft.dev/types/test-ptext" }
func (persistentText) PersistentSnapshots() {}
