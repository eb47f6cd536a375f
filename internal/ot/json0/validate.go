package json0

import (
	"fmt"
	"math"
	"reflect"

	"github.com/weftdev/weft/internal/ot"
)

// protoNames are the Object.prototype properties a path segment may not
// name: in JavaScript they resolve to inherited members, so ShareDB
// refuses them.
var protoNames = map[string]bool{
	"__proto__": true, "constructor": true, "hasOwnProperty": true, "toString": true,
	"valueOf": true, "isPrototypeOf": true, "propertyIsEnumerable": true,
	"toLocaleString": true, "__defineGetter__": true, "__defineSetter__": true,
	"__lookupGetter__": true, "__lookupSetter__": true,
}

// instruction groups a component may carry, by sorted key set (p aside).
var groups = map[string]bool{
	"li": true, "ld": true, "ld,li": true, "lm": true, "oi": true, "od": true,
	"od,oi": true, "na": true, "si": true, "sd": true, "o,t": true,
}

const maxIndex = 1 << 53

func invalid(i int, format string, args ...any) error {
	return fmt.Errorf("%w: component %d: %s", ot.ErrInvalidOp, i, fmt.Sprintf(format, args...))
}

// Validate is the strict submit-boundary check. Beyond what the reference
// checks it requires, for each component in turn against the document as
// the previous components left it: a path of strings (never an
// Object.prototype property name) and non-negative integers that exists
// and indexes each container by its kind (a list index may also be a
// canonical decimal string such as "1", which ot-json0 1.1.0 applies; see
// listIndex); exactly one instruction group
// and no unknown keys; list indexes and lm targets in range; na a finite
// number on a number, with a finite result; si/sd non-empty strings at
// in-range offsets into a string that do not split a surrogate pair; sd,
// ld and od equal to what the document holds there; t only "text0" with a
// valid text0 op. The snapshot is not modified.
func (t *Type) Validate(snapshot, op any) error {
	list, ok := op.([]any)
	if !ok {
		return fmt.Errorf("%w: json0 op must be an array of components", ot.ErrInvalidOp)
	}
	doc := snapshot
	for i, cv := range list {
		c, ok := cv.(map[string]any)
		if !ok {
			return invalid(i, "component must be an object")
		}
		group, err := componentGroup(i, c)
		if err != nil {
			return err
		}
		path, err := checkPath(i, c["p"])
		if err != nil {
			return err
		}
		if doc, err = validateComponent(i, doc, path, group, c, i < len(list)-1); err != nil {
			return err
		}
	}
	return nil
}

func componentGroup(i int, c map[string]any) (string, error) {
	var keys []string
	for _, k := range []string{"ld", "li", "lm", "na", "o", "od", "oi", "sd", "si", "t"} {
		if _, ok := c[k]; ok {
			keys = append(keys, k)
		}
	}
	if _, ok := c["p"]; !ok {
		return "", invalid(i, "missing path p")
	}
	if len(keys)+1 != len(c) {
		for k := range c {
			if k != "p" && !groups[k] && k != "o" && k != "t" {
				return "", invalid(i, "unknown key %q", k)
			}
		}
	}
	g := ""
	for j, k := range keys {
		if j > 0 {
			g += ","
		}
		g += k
	}
	if !groups[g] {
		return "", invalid(i, "needs exactly one instruction (li, ld, li+ld, lm, oi, od, oi+od, na, si, sd or t+o), has %q", g)
	}
	return g, nil
}

func checkPath(i int, pv any) ([]any, error) {
	path, ok := pv.([]any)
	if !ok {
		return nil, invalid(i, "path p must be an array")
	}
	for j, e := range path {
		switch x := e.(type) {
		case string:
			if protoNames[x] {
				return nil, invalid(i, "path element %d names the reserved property %q", j, x)
			}
		case float64:
			if x < 0 || x != math.Trunc(x) || x > maxIndex {
				return nil, invalid(i, "path element %d must be a non-negative integer or a string, is %v", j, x)
			}
		default:
			return nil, invalid(i, "path element %d must be a non-negative integer or a string", j)
		}
	}
	return path, nil
}

// validateComponent checks c against doc and, when more components
// follow, returns the document after c (sharing unchanged parts, copying
// the containers on c's path).
func validateComponent(i int, doc any, path []any, group string, c map[string]any, more bool) (any, error) {
	switch group {
	case "si", "sd":
		if len(path) == 0 {
			return nil, invalid(i, "%s needs a path ending in a string offset", group)
		}
		return editAt(i, doc, path[:len(path)-1], more, func(s any) (any, error) {
			return validateLegacyString(i, s, path[len(path)-1], c)
		})
	case "o,t":
		return editAt(i, doc, path, more, func(s any) (any, error) {
			return validateSubtype(i, s, c)
		})
	case "na":
		return editAt(i, doc, path, more, func(v any) (any, error) {
			return validateNumberAdd(i, v, c["na"])
		})
	}
	if len(path) == 0 {
		return validateRoot(i, doc, group, c)
	}
	return editAt(i, doc, path[:len(path)-1], more, func(container any) (any, error) {
		return validateInContainer(i, container, path[len(path)-1], group, c, more)
	})
}

func validateRoot(i int, doc any, group string, c map[string]any) (any, error) {
	switch group {
	case "od", "od,oi":
		if !deepEqual(doc, c["od"]) {
			return nil, invalid(i, "od does not match the document")
		}
		if group == "od" {
			return nil, nil
		}
		return c["oi"], nil
	case "oi":
		return c["oi"], nil
	}
	return nil, invalid(i, "%s needs a list index in its path", group)
}

// editAt walks path in doc (checking each step) and replaces the value
// there with edit's result, copying the containers on the way when copy is
// set. Without copy the document is returned unchanged.
func editAt(i int, doc any, path []any, copyOnWrite bool, edit func(any) (any, error)) (any, error) {
	if len(path) == 0 {
		v, err := edit(doc)
		if err != nil || !copyOnWrite {
			return doc, err
		}
		return v, nil
	}
	child, err := step(i, doc, path[0])
	if err != nil {
		return nil, err
	}
	nv, err := editAt(i, child, path[1:], copyOnWrite, edit)
	if err != nil || !copyOnWrite {
		return doc, err
	}
	switch x := doc.(type) {
	case map[string]any:
		m := copyMap(x)
		m[path[0].(string)] = nv
		return m, nil
	case []any:
		l := append([]any(nil), x...)
		idx, _ := listIndex(path[0]) // step checked it
		l[idx] = nv
		return l, nil
	}
	return doc, nil
}

// listIndex returns the list index key names: a non-negative integer, or
// a string holding one in canonical decimal form ("0", "12"). ot-json0
// 1.1.0, which ShareDB clients run, applies the string form as JavaScript
// coerces it (ShareDB's own tests submit such legacy ops), so Weft accepts
// exactly those strings too; anything else is not an index.
func listIndex(key any) (int, bool) {
	switch k := key.(type) {
	case float64:
		if k >= 0 && k == float64(int(k)) && k < 1<<31 {
			return int(k), true
		}
	case string:
		if k == "0" {
			return 0, true
		}
		if len(k) == 0 || len(k) > 9 || k[0] == '0' {
			return 0, false
		}
		n := 0
		for _, c := range []byte(k) {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	return 0, false
}

// step returns the child of v at key, which must exist and suit v's kind.
func step(i int, v any, key any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		k, ok := key.(string)
		if !ok {
			return nil, invalid(i, "number %v used as a key into an object", key)
		}
		child, ok := x[k]
		if !ok {
			return nil, invalid(i, "path key %q does not exist", k)
		}
		return child, nil
	case []any:
		idx, ok := listIndex(key)
		if !ok {
			return nil, invalid(i, "%q is not a list index", key)
		}
		if idx >= len(x) {
			return nil, invalid(i, "list index %d out of range (length %d)", idx, len(x))
		}
		return x[idx], nil
	}
	return nil, invalid(i, "path goes through a %s", kindOf(v))
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return "non-JSON value"
}

func validateNumberAdd(i int, v, na any) (any, error) {
	n, ok := na.(float64)
	if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, invalid(i, "na must be a finite number")
	}
	cur, ok := v.(float64)
	if !ok {
		return nil, invalid(i, "na applies to a %s, not a number", kindOf(v))
	}
	if math.IsInf(cur+n, 0) {
		return nil, invalid(i, "na overflows the number")
	}
	return cur + n, nil
}

// deepEqual compares JSON trees.
func deepEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !deepEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !deepEqual(x[k], y[k]) {
				return false
			}
		}
		return true
	case nil, bool, float64, string:
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

// checkValue requires v to be a JSON tree.
func checkValue(i int, name string, v any) error {
	switch x := v.(type) {
	case nil, bool, string:
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return invalid(i, "%s holds a non-finite number", name)
		}
		return nil
	case []any:
		for _, e := range x {
			if err := checkValue(i, name, e); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for _, e := range x {
			if err := checkValue(i, name, e); err != nil {
				return err
			}
		}
		return nil
	}
	return invalid(i, "%s is not a JSON value", name)
}
