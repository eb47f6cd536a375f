package json0

import (
	"errors"
)

// undoLog records the in-place mutations apply makes so that a failing op
// leaves the snapshot as it found it.
type undoLog []func()

func (u *undoLog) rollback() {
	for i := len(*u) - 1; i >= 0; i-- {
		(*u)[i]()
	}
	*u = nil
}

// setProp is JavaScript's obj[key] = v inside apply, recording the old
// value. Arrays that must grow are replaced in their parent (loc.parent).
// Assignments to primitives are silently ignored, as in sloppy-mode
// JavaScript.
func (u *undoLog) setProp(l *location, v any) error {
	switch x := l.elem.(type) {
	case nil, undefinedT:
		return typeError("Cannot set properties of " + toString(l.elem))
	case map[string]any:
		u.setMap(x, propertyKey(l.key), v)
	case []any:
		i, ok := arrayIndex(l.key)
		if !ok {
			return nil // a named property on an array is not part of JSON
		}
		if isUndef(v) {
			v = nil
		}
		if i < len(x) {
			old := x[i]
			x[i] = v
			*u = append(*u, func() { x[i] = old })
			return nil
		}
		if i-len(x) > maxGrow {
			// JavaScript would make a sparse array whose JSON holds
			// millions of nulls; Weft refuses instead.
			return errHugeIndex
		}
		grown := make([]any, i+1)
		copy(grown, x)
		grown[i] = v
		return u.replaceElem(l, grown)
	}
	return nil
}

func (u *undoLog) setMap(m map[string]any, k string, v any) {
	old, had := m[k]
	if isUndef(v) {
		delete(m, k)
	} else {
		m[k] = v
	}
	*u = append(*u, func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
}

func (u *undoLog) deleteMap(m map[string]any, k string) {
	old, had := m[k]
	if !had {
		return
	}
	delete(m, k)
	*u = append(*u, func() { m[k] = old })
}

// replaceElem stores a new list in place of l.elem inside its parent.
func (u *undoLog) replaceElem(l *location, list []any) error {
	parent := &location{elem: l.parent, key: l.parentKey, parent: nil}
	switch p := l.parent.(type) {
	case map[string]any:
		u.setMap(p, propertyKey(l.parentKey), list)
		return nil
	case []any:
		if i, ok := arrayIndex(l.parentKey); ok && i < len(p) {
			old := p[i]
			p[i] = list
			*u = append(*u, func() { p[i] = old })
		}
		return nil
	}
	_ = parent
	return nil
}

// location is where a component acts: elem[key], with elem found at
// parent[parentKey].
type location struct {
	parent, parentKey any
	elem, key         any
}

// walk follows path from the root container.
func walk(container map[string]any, path []any) (*location, error) {
	l := &location{elem: container, key: "data"}
	for _, p := range path {
		next, err := get(l.elem, l.key)
		if err != nil {
			return nil, err
		}
		l.parent, l.parentKey = l.elem, l.key
		l.elem, l.key = next, p
	}
	return l, nil
}

// applyOp applies op's components one by one to the document held in
// container["data"], recording mutations in u. op must already be a clone
// the function may modify.
func (t *Type) applyOp(container map[string]any, op []any, u *undoLog) error {
	for _, cv := range op {
		c, ok := cv.(map[string]any)
		if !ok {
			return errMissingPath
		}
		if notNull(c, "si") || notNull(c, "sd") {
			convertFromText(c)
		}
		path, _ := c["p"].([]any)
		l, err := walk(container, path)
		if err != nil {
			return err
		}
		if err := t.applyComponent(c, l, u); err != nil {
			return err
		}
	}
	return nil
}

// maxGrow bounds how far past its end an assignment may grow a list.
const maxGrow = 1 << 16

var (
	errHugeIndex   = errors.New("json0: list index far past the end of the list")
	errMissingPath = errors.New("Missing path")
	errNotList     = errors.New("Referenced element not a list")
	errNotNumber   = errors.New("Referenced element not a number")
	errNoInstr     = errors.New("invalid / missing instruction in op")
)

func checkObj(elem any) error {
	if _, ok := elem.(map[string]any); !ok {
		return errors.New("Referenced element not an object (it was " + stringify(elem) + ")")
	}
	return nil
}

func (t *Type) applyComponent(c map[string]any, l *location, u *undoLog) error {
	if sub := t.subtype(field(c, "t")); sub != nil && has(c, "o") {
		cur, err := get(l.elem, l.key)
		if err != nil {
			return err
		}
		v, err := sub.Apply(cur, c["o"])
		if err != nil {
			return err
		}
		return u.setProp(l, v)
	}
	switch {
	case has(c, "na"):
		cur, err := get(l.elem, l.key)
		if err != nil {
			return err
		}
		if _, ok := cur.(float64); !ok {
			return errNotNumber
		}
		return u.setProp(l, addNumbers(cur, cloneJSON(c["na"])))
	case has(c, "li") && has(c, "ld"):
		if _, ok := l.elem.([]any); !ok {
			return errNotList
		}
		return u.setProp(l, c["li"])
	case has(c, "li"):
		return u.splice(l, 0, []any{c["li"]})
	case has(c, "ld"):
		return u.splice(l, 1, nil)
	case has(c, "lm"):
		return u.move(l, c["lm"])
	case has(c, "oi"):
		if err := checkObj(l.elem); err != nil {
			return err
		}
		return u.setProp(l, c["oi"])
	case has(c, "od"):
		if err := checkObj(l.elem); err != nil {
			return err
		}
		u.deleteMap(l.elem.(map[string]any), propertyKey(l.key))
		return nil
	}
	return errNoInstr
}

// splice is elem.splice(key, del, ins...) on the list at l.
func (u *undoLog) splice(l *location, del int, ins []any) error {
	list, ok := l.elem.([]any)
	if !ok {
		return errNotList
	}
	start := relativeIndex(l.key, len(list))
	del = min(del, len(list)-start)
	out := make([]any, 0, len(list)-del+len(ins))
	out = append(out, list[:start]...)
	out = append(out, ins...)
	out = append(out, list[start+del:]...)
	return u.replaceElem(l, out)
}

// move is the list move: remove elem[key], insert it at to.
func (u *undoLog) move(l *location, to any) error {
	list, ok := l.elem.([]any)
	if !ok {
		return errNotList
	}
	if looseEq(to, l.key) {
		return nil
	}
	e, _ := get(list, l.key)
	if isUndef(e) {
		e = nil
	}
	from := relativeIndex(l.key, len(list))
	tmp := list
	if from < len(list) {
		tmp = append(append(make([]any, 0, len(list)), list[:from]...), list[from+1:]...)
	} else {
		tmp = append([]any(nil), list...)
	}
	at := relativeIndex(to, len(tmp))
	out := make([]any, 0, len(tmp)+1)
	out = append(out, tmp[:at]...)
	out = append(out, e)
	out = append(out, tmp[at:]...)
	return u.replaceElem(l, out)
}

// convertFromText turns a legacy si/sd component into its text0 form, in
// place: {p:[...,k,off], si:s} becomes {p:[...,k], t:"text0", o:[{p:off, i:s}]}.
// The si/sd keys stay, as in the reference.
func convertFromText(c map[string]any) {
	c["t"] = "text0"
	path, _ := c["p"].([]any)
	o := map[string]any{}
	if n := len(path); n > 0 {
		if !isUndef(path[n-1]) {
			o["p"] = path[n-1]
		}
		c["p"] = path[: n-1 : n-1]
	}
	if notNull(c, "si") {
		o["i"] = c["si"]
	}
	if notNull(c, "sd") {
		o["d"] = c["sd"]
	}
	c["o"] = []any{o}
}

// convertToText is the inverse of convertFromText, in place.
func convertToText(c map[string]any) {
	o, _ := c["o"].([]any)
	var first map[string]any
	if len(o) > 0 {
		first, _ = o[0].(map[string]any)
	}
	path, _ := c["p"].([]any)
	p := field(first, "p")
	if isUndef(p) {
		p = nil // an undefined pushed into an array serialises as null
	}
	c["p"] = append(path[:len(path):len(path)], p)
	if notNull(first, "i") {
		c["si"] = first["i"]
	}
	if notNull(first, "d") {
		c["sd"] = first["d"]
	}
	delete(c, "t")
	delete(c, "o")
}
