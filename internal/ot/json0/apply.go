package json0

import (
	"errors"
)

// root is the reference's container {data: snapshot}: the parent of the
// document, so that components with an empty path can replace or delete
// it. In JavaScript it is an ordinary object, so checkObj accepts it.
type root struct {
	data    any
	present bool // false after a root od (the document is undefined)
}

func (r *root) value() any {
	if !r.present {
		return undef
	}
	return r.data
}

// undoEntry reverses one in-place mutation.
type undoEntry struct {
	m    map[string]any
	s    []any
	r    *root
	k    string
	i    int
	old  any
	had  bool
	kind uint8
}

const (
	undoMap uint8 = iota
	undoSlice
	undoRoot
)

// undoLog records the in-place mutations apply makes so that a failing op
// leaves the snapshot as it found it.
type undoLog struct {
	small   [2]undoEntry
	entries []undoEntry
}

func (u *undoLog) push(e undoEntry) {
	if u == nil {
		return
	}
	if u.entries == nil {
		u.entries = u.small[:0]
	}
	u.entries = append(u.entries, e)
}

func (u *undoLog) rollback() {
	for i := len(u.entries) - 1; i >= 0; i-- {
		e := u.entries[i]
		switch e.kind {
		case undoMap:
			if e.had {
				e.m[e.k] = e.old
			} else {
				delete(e.m, e.k)
			}
		case undoSlice:
			e.s[e.i] = e.old
		case undoRoot:
			e.r.data, e.r.present = e.old, e.had
		}
	}
	u.entries = u.entries[:0]
}

func (u *undoLog) setMap(m map[string]any, k string, v any) {
	old, had := m[k]
	if isUndef(v) {
		delete(m, k)
	} else {
		m[k] = v
	}
	u.push(undoEntry{kind: undoMap, m: m, k: k, old: old, had: had})
}

func (u *undoLog) deleteMap(m map[string]any, k string) {
	if old, had := m[k]; had {
		delete(m, k)
		u.push(undoEntry{kind: undoMap, m: m, k: k, old: old, had: true})
	}
}

func (u *undoLog) setSlice(s []any, i int, v any) {
	u.push(undoEntry{kind: undoSlice, s: s, i: i, old: s[i]})
	s[i] = v
}

func (u *undoLog) setRoot(r *root, v any) {
	u.push(undoEntry{kind: undoRoot, r: r, old: r.data, had: r.present})
	r.data, r.present = v, !isUndef(v)
	if !r.present {
		r.data = nil
	}
}

// location is where a component acts: elem[key], with elem found at
// parent[parentKey].
type location struct {
	parent, parentKey any
	elem, key         any
}

// getIn is get extended to the root container.
func getIn(v, k any) (any, error) {
	if r, ok := v.(*root); ok {
		if propertyKey(k) == "data" {
			return r.value(), nil
		}
		return undef, nil
	}
	return get(v, k)
}

// walk follows path from the root container.
func walk(r *root, path []any) (location, error) {
	l := location{elem: r, key: "data"}
	for _, p := range path {
		next, err := getIn(l.elem, l.key)
		if err != nil {
			return l, err
		}
		l.parent, l.parentKey = l.elem, l.key
		l.elem, l.key = next, p
	}
	return l, nil
}

// maxGrow bounds how far past its end an assignment may grow a list.
const maxGrow = 1 << 16

var (
	errHugeIndex   = errors.New("json0: list index far past the end of the list")
	errMissingPath = refError("Missing path")
	errNotList     = refError("Referenced element not a list")
	errNotNumber   = refError("Referenced element not a number")
	errNoInstr     = errors.New("invalid / missing instruction in op")
)

// setProp is JavaScript's elem[key] = v inside apply, recording the old
// value. Lists that must grow are replaced in their parent. Assignments to
// primitives are silently ignored, as in sloppy-mode JavaScript.
func (u *undoLog) setProp(l *location, v any) error {
	switch x := l.elem.(type) {
	case nil, undefinedT:
		return typeError("Cannot set properties of " + toString(l.elem))
	case *root:
		if propertyKey(l.key) == "data" {
			u.setRoot(x, v)
		}
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
			u.setSlice(x, i, v)
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

// replaceElem stores a new list in place of l.elem inside its parent.
func (u *undoLog) replaceElem(l *location, list []any) error {
	return u.setProp(&location{elem: l.parent, key: l.parentKey}, list)
}

// applyOp applies op's components one by one to the document in r,
// recording mutations in u. op is not modified.
func (t *Type) applyOp(r *root, op []any, u *undoLog) error {
	for _, cv := range op {
		c, ok := cv.(map[string]any)
		if !ok {
			return errMissingPath
		}
		m := instructions(c)
		if m&hasLegacy != 0 {
			c = cloneComponent(c)
			convertFromText(c)
			m |= hasT | hasO
		}
		path, _ := c["p"].([]any)
		l, err := walk(r, path)
		if err != nil {
			return err
		}
		if err := t.applyComponent(c, m, &l, u); err != nil {
			return err
		}
	}
	return nil
}

func checkObj(elem any) error {
	switch elem.(type) {
	case map[string]any, *root:
		return nil
	}
	return errors.New("Referenced element not an object (it was " + stringify(elem) + ")")
}

func (t *Type) applyComponent(c map[string]any, m uint16, l *location, u *undoLog) error {
	if m&(hasT|hasO) == hasT|hasO && t.subtype(c["t"]) != nil {
		sub := t.subtype(c["t"])
		cur, err := getIn(l.elem, l.key)
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
	case m&hasNA != 0:
		cur, err := getIn(l.elem, l.key)
		if err != nil {
			return err
		}
		if _, ok := cur.(float64); !ok {
			return errNotNumber
		}
		return u.setProp(l, addNumbers(cur, cloneJSON(c["na"])))
	case m&(hasLI|hasLD) == hasLI|hasLD:
		if _, ok := l.elem.([]any); !ok {
			return errNotList
		}
		return u.setProp(l, cloneJSON(c["li"]))
	case m&hasLI != 0:
		return u.splice(l, 0, []any{cloneJSON(c["li"])})
	case m&hasLD != 0:
		return u.splice(l, 1, nil)
	case m&hasLM != 0:
		return u.move(l, c["lm"])
	case m&hasOI != 0:
		if err := checkObj(l.elem); err != nil {
			return err
		}
		return u.setProp(l, cloneJSON(c["oi"]))
	case m&hasOD != 0:
		if err := checkObj(l.elem); err != nil {
			return err
		}
		if m, ok := l.elem.(map[string]any); ok {
			u.deleteMap(m, propertyKey(l.key))
		} else if propertyKey(l.key) == "data" {
			u.setRoot(l.elem.(*root), undef)
		}
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
	var tmp []any
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

// refError returns an error carrying one of the reference's own messages,
// which ShareDB forwards to clients verbatim (hence their capitals).
func refError(msg string) error { return errors.New(msg) }

// Instruction keys present in a component, as bits.
const (
	hasNA uint16 = 1 << iota
	hasLI
	hasLD
	hasLM
	hasOI
	hasOD
	hasO
	hasT      // t is truthy
	hasLegacy // si or sd is non-null
)

// instructions returns which instruction keys c holds, in one pass.
func instructions(c map[string]any) uint16 {
	var m uint16
	for k, v := range c {
		switch k {
		case "na":
			m |= hasNA
		case "li":
			m |= hasLI
		case "ld":
			m |= hasLD
		case "lm":
			m |= hasLM
		case "oi":
			m |= hasOI
		case "od":
			m |= hasOD
		case "o":
			m |= hasO
		case "t":
			if truthy(v) {
				m |= hasT
			}
		case "si", "sd":
			if v != nil {
				m |= hasLegacy
			}
		}
	}
	return m
}
