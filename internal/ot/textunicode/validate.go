package textunicode

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/ot"
)

// maxLen is the largest length Validate accepts: JavaScript's largest safe
// integer.
const maxLen = 1<<53 - 1

// Validate is the strict submit-boundary check. On top of the reference's
// checkOp it requires: snapshot is a string or *Text; lengths are integers in
// 1..2^53-1; inserts are non-empty valid UTF-8; deletes are objects with
// the single key "d" holding such a length or a non-empty string that
// matches the document at that point; no component is a boolean, null,
// array or other type; no skip or delete reaches past the end of the
// document; no skip is adjacent to another or trailing. Every error wraps
// ot.ErrInvalidOp. An op Validate accepts applies without error.
func (Type) Validate(snapshot, op any) error {
	v, ok := newValidator(snapshot)
	if !ok {
		return fmt.Errorf("%w: text-unicode snapshot is %T, not a string", ot.ErrInvalidOp, snapshot)
	}
	var comps []any
	switch p := op.(type) {
	case *Op:
		if p != nil {
			op = *p
		}
	case *edit:
		if p != nil {
			op = p.appendTo(nil)
		}
	}
	switch x := op.(type) {
	case Op:
		comps = make([]any, len(x))
		for i, c := range x {
			comps[i] = c
		}
	case []any:
		comps = x
	default:
		return fmt.Errorf("%w: text-unicode op must be an array of components, not %s", ot.ErrInvalidOp, jsonType(op))
	}
	for i, e := range comps {
		if err := v.component(parseComponent(e), e); err != nil {
			return fmt.Errorf("%w: text-unicode op component %d: %s", ot.ErrInvalidOp, i, err)
		}
	}
	if v.lastSkip {
		return fmt.Errorf("%w: text-unicode op has a trailing skip", ot.ErrInvalidOp)
	}
	return nil
}

type validator struct {
	doc      string
	pos      int     // byte offset reached in doc
	text     *cursor // instead of doc and pos for a *Text
	lastSkip bool
}

func (v *validator) component(c Component, raw any) error {
	wasSkip := v.lastSkip
	v.lastSkip = c.k == kSkip
	switch c.k {
	case kSkip:
		if err := checkLen("skip", c.n); err != nil {
			return err
		}
		if wasSkip {
			return fmt.Errorf("skip follows another skip (combine them)")
		}
		return v.advance("skip", c.n)
	case kInsert:
		if c.s == "" {
			return fmt.Errorf("insert is empty")
		}
		if !utf8.ValidString(c.s) {
			return fmt.Errorf("insert is not valid UTF-8")
		}
		return nil
	case kDelN:
		if c.extra != nil {
			return fmt.Errorf("delete has keys other than \"d\"")
		}
		if err := checkLen("delete", c.n); err != nil {
			return err
		}
		return v.advance("delete", c.n)
	case kDelS:
		return v.deleteText(c)
	}
	return fmt.Errorf("%s is not a skip (number), insert (string) or delete ({d:…})", jsonType(raw))
}

func (v *validator) deleteText(c Component) error {
	if c.extra != nil {
		return fmt.Errorf("delete has keys other than \"d\"")
	}
	if c.s == "" {
		return fmt.Errorf("delete text is empty")
	}
	if v.text != nil {
		return v.text.deleteText(c.s)
	}
	if !strings.HasPrefix(v.doc[v.pos:], c.s) {
		return errMismatch(c.s, cpCount(v.doc[:v.pos]))
	}
	v.pos += len(c.s)
	return nil
}

func errMismatch(s string, at int) error {
	return fmt.Errorf("delete text %q does not match the document at code point %d", abbrev(s), at)
}

func checkLen(what string, n float64) error {
	if !(n >= 1) || n != math.Trunc(n) || n > maxLen {
		return fmt.Errorf("%s length %s is not a positive integer", what, jsString(n))
	}
	return nil
}

// advance moves past n code points of the document.
func (v *validator) advance(what string, n float64) error {
	if v.text != nil {
		return v.text.validAdvance(what, n)
	}
	off, missing := cpOffset(v.doc[v.pos:], steps(n, len(v.doc)+1))
	if missing > 0 {
		return errPastEnd(what, n, cpCount(v.doc[v.pos:]))
	}
	v.pos += off
	return nil
}

func errPastEnd(what string, n float64, left int) error {
	return fmt.Errorf("%s of %s code points reaches past the end of the document (%d code points left)",
		what, jsString(n), left)
}

func abbrev(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64, int:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case Component:
		return "a malformed component"
	}
	return fmt.Sprintf("a %T", v)
}
