package json0

import (
	"github.com/weftdev/weft/internal/ot"
)

// validateInContainer checks a list or object instruction acting on
// container[key] and returns the container after it.
func validateInContainer(i int, container, key any, group string, c map[string]any, more bool) (any, error) {
	for _, name := range []string{"li", "ld", "oi", "od"} {
		if v, ok := c[name]; ok {
			if err := checkValue(i, name, v); err != nil {
				return nil, err
			}
		}
	}
	switch group {
	case "li", "ld", "ld,li", "lm":
		list, ok := container.([]any)
		if !ok {
			return nil, invalid(i, "%s needs a list, found a %s", group, kindOf(container))
		}
		idx, ok := listIndex(key)
		if !ok {
			return nil, invalid(i, "%q is not a list index", key)
		}
		return validateList(i, list, idx, group, c, more)
	}
	obj, ok := container.(map[string]any)
	if !ok {
		return nil, invalid(i, "%s needs an object, found a %s", group, kindOf(container))
	}
	k, ok := key.(string)
	if !ok {
		return nil, invalid(i, "number %v used as a key into an object", key)
	}
	if group != "oi" {
		cur, ok := obj[k]
		if !ok {
			return nil, invalid(i, "od of key %q, which does not exist", k)
		}
		if !deepEqual(cur, c["od"]) {
			return nil, invalid(i, "od does not match the value at key %q", k)
		}
	}
	if !more {
		return obj, nil
	}
	m := copyMap(obj)
	if oi, ok := c["oi"]; ok {
		m[k] = oi
	} else {
		delete(m, k)
	}
	return m, nil
}

func validateList(i int, list []any, idx int, group string, c map[string]any, more bool) (any, error) {
	n := len(list)
	limit := n
	if group == "li" {
		limit = n + 1
	}
	if idx >= limit {
		return nil, invalid(i, "list index %d out of range (length %d)", idx, n)
	}
	if _, ok := c["ld"]; ok && !deepEqual(list[idx], c["ld"]) {
		return nil, invalid(i, "ld does not match the list element at %d", idx)
	}
	var to int
	if group == "lm" {
		t, ok := listIndex(c["lm"])
		if !ok || t >= n {
			return nil, invalid(i, "lm target must be an integer index in [0, %d)", n)
		}
		to = t
	}
	if !more {
		return list, nil
	}
	out := make([]any, 0, n+1)
	switch group {
	case "li":
		out = append(append(append(out, list[:idx]...), c["li"]), list[idx:]...)
	case "ld":
		out = append(append(out, list[:idx]...), list[idx+1:]...)
	case "ld,li":
		out = append(out, list...)
		out[idx] = c["li"]
	case "lm":
		e := list[idx]
		out = append(append(out, list[:idx]...), list[idx+1:]...)
		out = append(out[:to], append([]any{e}, out[to:]...)...)
	}
	return out, nil
}

// validateLegacyString checks an si or sd at offset off into s.
func validateLegacyString(i int, s, off any, c map[string]any) (any, error) {
	str, ok := s.(string)
	if !ok {
		return nil, invalid(i, "string edit into a %s", kindOf(s))
	}
	f, ok := off.(float64)
	if !ok {
		return nil, invalid(i, "string offset must be a number")
	}
	comp := map[string]any{"p": f}
	if v, ok := c["si"]; ok {
		comp["i"] = v
	} else {
		comp["d"] = c["sd"]
	}
	return validateTextComponent(i, str, comp)
}

func validateSubtype(i int, s any, c map[string]any) (any, error) {
	if name, _ := c["t"].(string); name != "text0" {
		return nil, invalid(i, "unknown subtype t %v (only \"text0\")", c["t"])
	}
	str, ok := s.(string)
	if !ok {
		return nil, invalid(i, "text0 edit of a %s", kindOf(s))
	}
	o, ok := c["o"].([]any)
	if !ok {
		return nil, invalid(i, "text0 o must be an array")
	}
	for _, cv := range o {
		tc, ok := cv.(map[string]any)
		if !ok {
			return nil, invalid(i, "text0 component must be an object")
		}
		var err error
		if str, err = validateTextComponent(i, str, tc); err != nil {
			return nil, err
		}
	}
	return str, nil
}

// validateTextComponent checks one text0 component against s and returns s
// after it.
func validateTextComponent(i int, s string, c map[string]any) (string, error) {
	for k := range c {
		if k != "p" && k != "i" && k != "d" {
			return "", invalid(i, "unknown text0 key %q", k)
		}
	}
	f, ok := c["p"].(float64)
	if !ok || f < 0 || f > maxIndex || f != float64(int(f)) {
		return "", invalid(i, "text offset must be a non-negative integer")
	}
	p := int(f)
	ins, isIns := c["i"].(string)
	del, isDel := c["d"].(string)
	if isIns == isDel || len(c) != 2 {
		return "", invalid(i, "text component needs exactly one of i and d, as a string")
	}
	at, ok := ot.UTF16Offset(s, p)
	if !ok {
		if p > ot.UTF16Len(s) {
			return "", invalid(i, "text offset %d past the end (length %d)", p, ot.UTF16Len(s))
		}
		return "", invalid(i, "text offset %d splits a surrogate pair", p)
	}
	if isIns {
		if ins == "" {
			return "", invalid(i, "empty insert")
		}
		return s[:at] + ins + s[at:], nil
	}
	if del == "" {
		return "", invalid(i, "empty delete")
	}
	if len(s)-at < len(del) || s[at:at+len(del)] != del {
		return "", invalid(i, "deleted text does not match the document at offset %d", p)
	}
	return s[:at] + s[at+len(del):], nil
}
