package stubtypes

import (
	"errors"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// JSON0Lite returns the json0 subset described in the package doc.
func JSON0Lite() ot.Type { return json0Lite{} }

type json0Lite struct{}

func (json0Lite) Name() string { return "json0" }
func (json0Lite) URI() string  { return "http://sharejs.org/types/JSONv0" }

func (json0Lite) Create(data any) (any, error) { return data, nil }

var errUnsupported = errors.New("json0 subset: unsupported op")

func (json0Lite) Apply(snapshot, op any) (any, error) {
	comps, err := components(op)
	if err != nil {
		return nil, err
	}
	var root any = []any{snapshot} // a holder, so a path of [] replaces the root
	for i, c := range comps {
		path, _ := c["p"].([]any)
		if root, err = edit(root, append([]any{0.0}, path...), c); err != nil {
			return nil, fmt.Errorf("component %d: %w", i, err)
		}
	}
	return root.([]any)[0], nil
}

func components(op any) ([]map[string]any, error) {
	list, ok := op.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: op must be an array", errUnsupported)
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		c, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: component must be an object", errUnsupported)
		}
		if _, ok := c["p"].([]any); !ok {
			return nil, fmt.Errorf("%w: missing path", errUnsupported)
		}
		out = append(out, c)
	}
	return out, nil
}

// edit returns v after applying c at path below it. Maps are modified in
// place; lists may be reallocated, so every level stores the result back.
func edit(v any, path []any, c map[string]any) (any, error) {
	if len(path) == 1 {
		return leaf(v, path[0], c)
	}
	child, err := get(v, path[0])
	if err != nil {
		return nil, err
	}
	if child, err = edit(child, path[1:], c); err != nil {
		return nil, err
	}
	return set(v, path[0], child)
}

func leaf(v, key any, c map[string]any) (any, error) {
	switch {
	case hasKey(c, "na"):
		cur, err := get(v, key)
		if err != nil {
			return nil, err
		}
		a, ok1 := cur.(float64)
		b, ok2 := c["na"].(float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: na needs numbers", errUnsupported)
		}
		return set(v, key, a+b)
	case hasKey(c, "li") || hasKey(c, "ld"):
		return listEdit(v, key, c)
	case hasKey(c, "oi") || hasKey(c, "od"):
		m, ok := v.(map[string]any)
		k, ok2 := key.(string)
		if !ok || !ok2 {
			return nil, fmt.Errorf("%w: oi/od need an object key", errUnsupported)
		}
		if x, ok := c["oi"]; ok {
			m[k] = x
		} else {
			delete(m, k)
		}
		return m, nil
	}
	return nil, fmt.Errorf("%w: unknown component", errUnsupported)
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func listEdit(v, key any, c map[string]any) (any, error) {
	list, ok := v.([]any)
	i, ok2 := index(key)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%w: li/ld need a list index", errUnsupported)
	}
	if hasKey(c, "ld") {
		if i >= len(list) {
			return nil, fmt.Errorf("%w: ld index %d out of range", errUnsupported, i)
		}
		list = append(list[:i:i], list[i+1:]...)
	}
	if x, ok := c["li"]; ok {
		if i > len(list) {
			return nil, fmt.Errorf("%w: li index %d out of range", errUnsupported, i)
		}
		list = append(list[:i:i], append([]any{x}, list[i:]...)...)
	}
	return list, nil
}

func get(v, key any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if k, ok := key.(string); ok {
			return x[k], nil
		}
	case []any:
		if i, ok := index(key); ok && i < len(x) {
			return x[i], nil
		}
	}
	return nil, fmt.Errorf("%w: bad path segment %v", errUnsupported, key)
}

func set(v, key, val any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if k, ok := key.(string); ok {
			x[k] = val
			return x, nil
		}
	case []any:
		if i, ok := index(key); ok && i < len(x) {
			x[i] = val
			return x, nil
		}
	}
	return nil, fmt.Errorf("%w: bad path segment %v", errUnsupported, key)
}

func index(k any) (int, bool) {
	f, ok := k.(float64)
	if !ok || f < 0 || f > 1<<31 || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

// Transform supports only na-only ops, which commute with each other.
func (json0Lite) Transform(op, other any, _ ot.Side) (any, error) {
	if !naOnly(op) || !naOnly(other) {
		return nil, fmt.Errorf("%w: transform needs na-only ops", errUnsupported)
	}
	return op, nil
}

func naOnly(op any) bool {
	comps, err := components(op)
	if err != nil {
		return false
	}
	for _, c := range comps {
		if len(c) != 2 || !hasKey(c, "na") {
			return false
		}
	}
	return true
}

// Compose concatenates the components, which json0 applies in order.
func (json0Lite) Compose(a, b any) (any, error) {
	x, err := components(a)
	if err != nil {
		return nil, err
	}
	y, err := components(b)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(x)+len(y))
	for _, c := range append(x, y...) {
		out = append(out, c)
	}
	return out, nil
}

func (json0Lite) Normalize(op any) (any, error) { return op, nil }

func (t json0Lite) Validate(snapshot, op any) error {
	if _, err := components(op); err != nil {
		return fmt.Errorf("%w: %v", ot.ErrInvalidOp, err)
	}
	return nil
}
