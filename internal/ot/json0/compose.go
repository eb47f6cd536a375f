package json0

import "github.com/weftdev/weft/internal/ot"

// checkValidOp is the reference's only op check: every component has an
// array p. It returns the components.
func checkValidOp(op any) ([]any, error) {
	list, err := asList(op)
	if err != nil {
		return nil, err
	}
	for _, cv := range list {
		switch c := cv.(type) {
		case nil:
			return nil, typeError("Cannot read properties of null (reading 'p')")
		case map[string]any:
			if _, ok := c["p"].([]any); !ok {
				return nil, errMissingPath
			}
		default:
			return nil, errMissingPath
		}
	}
	return list, nil
}

// isLegacyString reports c.si != null || c.sd != null.
func isLegacyString(c map[string]any) bool { return notNull(c, "si") || notNull(c, "sd") }

// pathOf returns c.p, which must be an array.
func pathOf(c map[string]any) ([]any, error) {
	p, ok := c["p"].([]any)
	if !ok {
		return nil, typeError("Cannot read properties of undefined (reading 'length')")
	}
	return p, nil
}

// pathMatches is the reference's pathMatches without ignoreLast.
func pathMatches(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strictEq(a[i], b[i]) {
			return false
		}
	}
	return true
}

// appendComponent appends a clone of cv to dest, merging it into the last
// component where the reference does (json0's append).
func (t *Type) appendComponent(dest []any, cv any) ([]any, error) {
	c, ok := cv.(map[string]any)
	if !ok {
		if len(dest) == 0 {
			return append(dest, cloneJSON(cv)), nil
		}
		return nil, typeError("component is not an object")
	}
	if len(dest) > 0 && isLegacyString(c) {
		if last, ok := dest[len(dest)-1].(map[string]any); ok && isLegacyString(last) {
			// Typing: merge without copying c unless it is pushed.
			if out, ok, err := appendLegacyFast(dest, last, c); ok {
				return out, err
			}
		}
	}
	return t.appendOwned(dest, cloneComponent(c))
}

// appendOwned is appendComponent for a component the caller has just made
// and hands over: it is used without copying.
func (t *Type) appendOwned(dest []any, c map[string]any) ([]any, error) {
	if len(dest) == 0 {
		return append(dest, c), nil
	}
	last, ok := dest[len(dest)-1].(map[string]any)
	if !ok {
		return nil, typeError("component is not an object")
	}
	legacy := isLegacyString(c) && isLegacyString(last)
	if legacy {
		if out, ok, err := appendLegacyFast(dest, last, c); ok {
			return out, err
		}
		if _, err := pathOf(c); err != nil {
			return nil, err
		}
		if _, err := pathOf(last); err != nil {
			return nil, err
		}
		convertFromText(c)
		convertFromText(last)
	}
	cp, err := pathOf(c)
	if err != nil {
		return nil, err
	}
	lp, err := pathOf(last)
	if err != nil {
		return nil, err
	}
	if !pathMatches(cp, lp) {
		if legacy {
			convertToText(c)
			convertToText(last)
		}
		return append(dest, c), nil
	}
	return t.mergeComponent(dest, last, c)
}

// mergeComponent is append's same-path case.
func (t *Type) mergeComponent(dest []any, last, c map[string]any) ([]any, error) {
	n := len(dest)
	ct := field(c, "t")
	if sub := t.subtype(ct); sub != nil && truthy(field(last, "t")) && strictEq(ct, field(last, "t")) {
		return t.mergeSubtype(dest, last, c, sub)
	}
	switch {
	case notNull(last, "na") && notNull(c, "na"):
		dest[n-1] = map[string]any{"p": last["p"], "na": plus(last["na"], c["na"])}
	case has(last, "li") && !has(c, "li") && strictEq(field(c, "ld"), last["li"]):
		if has(last, "ld") {
			delete(last, "li")
		} else {
			dest = dest[:n-1]
		}
	case has(last, "od") && !has(last, "oi") && has(c, "oi") && !has(c, "od"):
		last["oi"] = c["oi"]
	case has(last, "oi") && has(c, "od"):
		switch {
		case has(c, "oi"):
			last["oi"] = c["oi"]
		case has(last, "od"):
			delete(last, "oi")
		default:
			dest = dest[:n-1]
		}
	case has(c, "lm") && strictEq(lastElem(c["p"].([]any)), c["lm"]):
		// A move to where the element already is: dropped.
	default:
		dest = append(dest, c)
	}
	return dest, nil
}

func lastElem(p []any) any {
	if len(p) == 0 {
		return undef
	}
	return p[len(p)-1]
}

// mergeSubtype composes two subtype components on the same path, turning
// legacy string components back into si/sd form.
func (t *Type) mergeSubtype(dest []any, last, c map[string]any, sub Subtype) ([]any, error) {
	o, err := sub.Compose(field(last, "o"), field(c, "o"))
	if err != nil {
		return nil, err
	}
	last["o"] = o
	if !isLegacyString(c) {
		return dest, nil
	}
	p := c["p"].([]any)
	for i := 0; ; i++ {
		lo, _ := last["o"].([]any)
		if i >= len(lo)-1 {
			break
		}
		c["o"] = []any{lo[len(lo)-1]}
		last["o"] = lo[: len(lo)-1 : len(lo)-1]
		c["p"] = append([]any(nil), p...)
		convertToText(c)
		dest = append(dest, c)
	}
	convertToText(last)
	return dest, nil
}

// Compose returns one op with the effect of a followed by b. Components of
// b merge only with the last component, and only on the same path.
func (t *Type) Compose(a, b any) (any, error) {
	if _, err := checkValidOp(a); err != nil {
		return nil, err
	}
	bl, err := checkValidOp(b)
	if err != nil {
		return nil, err
	}
	// out starts with a's own components and copies each one only before
	// changing it (or at the end), since most are never touched.
	al := a.([]any)
	out := append(make([]any, 0, len(al)+len(bl)), al...)
	for _, c := range bl {
		if out, err = t.composeAppend(out, c, al); err != nil {
			return nil, err
		}
	}
	for i := 0; i < len(out) && i < len(al); i++ {
		if sameComponent(out[i], al[i]) {
			out[i] = cloneComponent(al[i].(map[string]any))
		}
	}
	return out, nil
}

// composeAppend appends c to out, where out[i] may still be a[i] itself.
func (t *Type) composeAppend(out []any, cv any, a []any) ([]any, error) {
	n := len(out)
	if c, ok := cv.(map[string]any); ok && n > 0 && isLegacyString(c) {
		if last, ok := out[n-1].(map[string]any); ok && isLegacyString(last) {
			if res, ok, err := appendLegacyFast(out, last, c); ok {
				return res, err
			}
		}
	}
	if n > 0 && n <= len(a) && sameComponent(out[n-1], a[n-1]) {
		out[n-1] = cloneComponent(a[n-1].(map[string]any))
	}
	return t.appendComponent(out, cv)
}

// Normalize returns op (an op or a single component) with a missing p set
// to [] and same-path components merged as Compose merges them. Legacy
// si/sd components keep their form.
func (t *Type) Normalize(op any) (any, error) {
	list, ok := op.([]any)
	if !ok {
		list = []any{op}
	}
	out := []any{}
	for _, cv := range list {
		c, ok := cv.(map[string]any)
		if !ok {
			if cv == nil {
				return nil, typeError("Cannot read properties of null (reading 'p')")
			}
			// Setting p on a primitive does nothing; append takes it as is.
			var err error
			if out, err = t.appendComponent(out, cv); err != nil {
				return nil, err
			}
			continue
		}
		if !notNull(c, "p") {
			c = copyMap(c)
			c["p"] = []any{}
		}
		var err error
		if out, err = t.appendComponent(out, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// legacyParts returns the parent path, offset and text of a plain legacy
// string component {p:[...,off], si|sd:text}, or ok false for any other
// shape.
func legacyParts(c map[string]any) (parent []any, off float64, text string, ins bool, ok bool) {
	if len(c) != 2 {
		return nil, 0, "", false, false
	}
	p, _ := c["p"].([]any)
	if len(p) == 0 {
		return nil, 0, "", false, false
	}
	off, okOff := p[len(p)-1].(float64)
	if !okOff || !(off >= 0) {
		return nil, 0, "", false, false
	}
	if s, ok := c["si"].(string); ok {
		return p[:len(p)-1], off, s, true, true
	}
	if s, ok := c["sd"].(string); ok {
		return p[:len(p)-1], off, s, false, true
	}
	return nil, 0, "", false, false
}

// appendLegacyFast is append's legacy-string case (convert both to text0,
// compose, convert back) computed directly for the plain shapes typing
// produces. ok is false when the general path must run.
func appendLegacyFast(dest []any, last, c map[string]any) ([]any, bool, error) {
	lParent, lOff, lText, lIns, ok1 := legacyParts(last)
	cParent, cOff, cText, cIns, ok2 := legacyParts(c)
	if !ok1 || !ok2 || !pathMatches(lParent, cParent) {
		return nil, false, nil
	}
	if cText == "" {
		return dest, true, nil // text0's append drops empty components
	}
	// A merge replaces last with a new component rather than changing it,
	// so last may be shared with the caller's op.
	switch {
	case lIns && cIns && lOff <= cOff && cOff <= lOff+float64(ot.UTF16Len(lText)):
		s, err := injectString(lText, cOff-lOff, cText)
		if err != nil {
			return nil, true, err
		}
		dest[len(dest)-1] = map[string]any{"p": append([]any(nil), last["p"].([]any)...), "si": s}
	case !lIns && !cIns && cOff <= lOff && lOff <= cOff+float64(ot.UTF16Len(cText)):
		s, err := injectString(cText, lOff-cOff, lText)
		if err != nil {
			return nil, true, err
		}
		dest[len(dest)-1] = map[string]any{"p": append(append(make([]any, 0, len(cParent)+1), cParent...), cOff), "sd": s}
	default:
		return append(dest, cloneComponent(c)), true, nil
	}
	return dest, true, nil
}
