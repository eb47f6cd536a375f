package richtext

import "reflect"

// Attribute maps follow quill-delta's AttributeMap. A nil map is "absent";
// a non-nil map, even empty, is present. Maps are never modified after
// they are built: every function here returns a new map or one of its
// arguments.

// jsonEqual is lodash.isEqual on two JSON trees.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && mapEqual(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := number(b)
		return ok && x == y
	case int:
		y, ok := number(b)
		return ok && float64(x) == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

// sameMap reports whether a and b are the same map object.
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

// mapEqual is lodash.isEqual on two objects.
func mapEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	if sameMap(a, b) {
		return true // results share their inputs' maps, so this is common
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || !jsonEqual(va, vb) {
			return false
		}
	}
	return true
}

// strictEqual is JavaScript's === on two JSON values that were parsed
// separately: objects and arrays are never identical.
func strictEqual(a, b any) bool {
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	switch b.(type) {
	case map[string]any, []any:
		return false
	}
	return jsonEqual(a, b)
}

// composeAttrs is AttributeMap.compose: b's keys (without nulls unless
// keepNull), then a's keys that b lacks. It returns nil when empty.
func composeAttrs(a, b map[string]any, keepNull bool) map[string]any {
	// Maps are immutable, so an unchanged one is shared rather than cloned.
	if len(b) == 0 {
		if len(a) == 0 {
			return nil
		}
		return a
	}
	if keepNull || !hasNull(b) {
		if len(a) == 0 || keysWithin(a, b) {
			return b // the result has exactly b's keys and values
		}
		if within(b, a) {
			return a // b only repeats what a says
		}
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range b {
		if keepNull || v != nil {
			out[k] = v
		}
	}
	for k, v := range a {
		if _, ok := b[k]; !ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// keysWithin reports whether every key of a is also a key of b.
func keysWithin(a, b map[string]any) bool {
	if len(a) > len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

// within reports whether every entry of b is also in a, with an equal
// value.
func within(b, a map[string]any) bool {
	if len(b) > len(a) {
		return false
	}
	for k, vb := range b {
		va, ok := a[k]
		if !ok || !jsonEqual(va, vb) {
			return false
		}
	}
	return true
}

func hasNull(m map[string]any) bool {
	for _, v := range m {
		if v == nil {
			return true
		}
	}
	return false
}

// transformAttrs is AttributeMap.transform: b's attributes transformed
// against a's (nil is JavaScript's undefined).
func transformAttrs(a, b map[string]any, priority bool) map[string]any {
	if a == nil || !priority {
		return b
	}
	if b == nil {
		return nil
	}
	var out map[string]any
	for k, v := range b {
		if _, ok := a[k]; !ok {
			if out == nil {
				out = make(map[string]any, len(b))
			}
			out[k] = v
		}
	}
	return out
}

// invertAttrs is AttributeMap.invert: the attributes that undo attr on a
// run formatted with base.
func invertAttrs(attr, base map[string]any) map[string]any {
	out := make(map[string]any, len(attr))
	for k, bv := range base {
		if av, ok := attr[k]; ok && !strictEqual(bv, av) {
			out[k] = bv
		}
	}
	for k := range attr {
		if _, ok := base[k]; !ok {
			out[k] = nil
		}
	}
	return out
}
