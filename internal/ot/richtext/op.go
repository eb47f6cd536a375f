package richtext

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/ot"
)

// kind says what an op element does.
type kind uint8

const (
	kindText   kind = iota // insert of a string
	kindEmbed              // insert of any other JSON value
	kindRetain             // retain, with or without attributes
	kindDelete             // delete
)

// infinity is the length the iterator reports once it is exhausted, like
// quill-delta's Infinity.
const infinity = math.MaxInt

// maxLength bounds the lengths Weft accepts: JavaScript numbers hold
// integers exactly up to 2^53.
const maxLength = 1 << 53

// Op is one element of a Delta: an insert (text or embed), a retain or a
// delete. Ops are immutable values: functions never modify an Op's
// attribute map or embed once built, so Ops share them freely.
type Op struct {
	kind kind
	// n is the length in UTF-16 code units: the text's length for kindText,
	// 1 for kindEmbed, the count for retain and delete.
	n    int
	text string
	// embed is the inserted value for kindEmbed, a JSON tree.
	embed any
	// attrs is nil when the element has no attributes; a non-nil empty map
	// is the distinct JSON value {}.
	attrs map[string]any
}

// isInsert reports whether o is a text or embed insert.
func (o Op) isInsert() bool { return o.kind == kindText || o.kind == kindEmbed }

// insertTruthy is JavaScript's truthiness of o.insert.
func (o Op) insertTruthy() bool {
	switch o.kind {
	case kindText:
		return o.text != ""
	case kindEmbed:
		switch v := o.embed.(type) {
		case nil:
			return false
		case bool:
			return v
		case float64:
			return v != 0
		case int:
			return v != 0
		}
		return true
	}
	return false
}

// tree returns o as the JSON tree quill-delta would serialise.
func (o Op) tree() map[string]any {
	m := make(map[string]any, 2)
	switch o.kind {
	case kindText:
		m["insert"] = o.text
	case kindEmbed:
		m["insert"] = o.embed
	case kindRetain:
		m["retain"] = float64(o.n)
	case kindDelete:
		m["delete"] = float64(o.n)
	}
	if o.attrs != nil {
		m["attributes"] = o.attrs
	}
	return m
}

// appendJSON appends o's JSON encoding to dst.
func (o Op) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	if o.attrs != nil {
		dst = append(dst, `"attributes":`...)
		var err error
		if dst, err = ot.AppendJSON(dst, o.attrs); err != nil {
			return dst, err
		}
		dst = append(dst, ',')
	}
	switch o.kind {
	case kindText:
		dst = append(dst, `"insert":`...)
		dst = ot.AppendString(dst, o.text)
	case kindEmbed:
		dst = append(dst, `"insert":`...)
		var err error
		if dst, err = ot.AppendJSON(dst, o.embed); err != nil {
			return dst, err
		}
	case kindRetain:
		dst = append(dst, `"retain":`...)
		dst = appendLength(dst, o.n)
	case kindDelete:
		dst = append(dst, `"delete":`...)
		dst = appendLength(dst, o.n)
	}
	return append(dst, '}'), nil
}

func appendLength(dst []byte, n int) []byte {
	if n == infinity {
		return append(dst, "null"...) // JSON.stringify(Infinity)
	}
	return ot.AppendNumber(dst, float64(n))
}

// opEqual is lodash.isEqual on two op objects.
func opEqual(a, b Op) bool {
	if a.kind != b.kind || (a.attrs == nil) != (b.attrs == nil) {
		return false
	}
	switch a.kind {
	case kindText:
		if a.text != b.text {
			return false
		}
	case kindEmbed:
		if !jsonEqual(a.embed, b.embed) {
			return false
		}
	default:
		if a.n != b.n {
			return false
		}
	}
	return a.attrs == nil || mapEqual(a.attrs, b.attrs)
}

// parseOp turns one JSON element into an Op. It accepts what the reference
// treats as an op element and refuses the rest with an error (the
// reference would carry such garbage along; see doc.go).
func parseOp(v any, i int) (Op, error) {
	if o, ok := v.(Op); ok {
		return o, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return Op{}, fmt.Errorf("rich-text: op element %d is not an object", i)
	}
	var o Op
	var err error
	switch len(m) {
	case 1:
		err = o.parseKind(m)
	case 2:
		if attrs, ok := m["attributes"]; ok {
			if err = o.parseKind(m); err == nil {
				err = o.setAttrs(attrs)
			}
		} else {
			err = o.parseGeneral(m)
		}
	default:
		err = o.parseGeneral(m)
	}
	if err != nil {
		return Op{}, fmt.Errorf("rich-text: op element %d: %w", i, err)
	}
	return o, nil
}

// parseKind reads the kind of an element that has one (other than its
// attributes), looking the kinds up in order of how common they are in
// ops: with one kind present the order cannot change the result.
func (o *Op) parseKind(m map[string]any) error {
	if val, ok := m["retain"]; ok {
		return o.setCount("retain", val)
	}
	if val, ok := m["insert"]; ok {
		return o.setInsert(val)
	}
	if val, ok := m["delete"]; ok {
		return o.setCount("delete", val)
	}
	return errNoKind(m)
}

// parseGeneral reads any other element: with no kind, with keys besides a
// kind and its attributes, or with several kinds (all refused, with an
// error naming the first problem).
func (o *Op) parseGeneral(m map[string]any) error {
	var err error
	if val, ok := m["insert"]; ok {
		err = o.setInsert(val)
	} else if val, ok := m["retain"]; ok {
		err = o.setCount("retain", val)
	} else if val, ok := m["delete"]; ok {
		err = o.setCount("delete", val)
	} else {
		err = errNoKind(m)
	}
	if err == nil {
		err = o.parseMore(m)
	}
	return err
}

var errKinds = errors.New("must have exactly one of insert, retain, delete")

func errNoKind(m map[string]any) error {
	if err := unknownKey(m); err != nil {
		return err
	}
	return errKinds
}

// parseMore reads the attributes of an element with more than one key and
// refuses a second kind or an unknown key.
func (o *Op) parseMore(m map[string]any) error {
	kinds := 0
	for _, k := range [3]string{"insert", "retain", "delete"} {
		if _, ok := m[k]; ok {
			kinds++
		}
	}
	if kinds > 1 {
		return errKinds
	}
	val, ok := m["attributes"]
	if !ok || len(m) > 2 {
		return unknownKey(m)
	}
	return o.setAttrs(val)
}

func unknownKey(m map[string]any) error {
	for k := range m {
		switch k {
		case "insert", "retain", "delete", "attributes":
		default:
			return fmt.Errorf("unknown key %q", k)
		}
	}
	return nil
}

func (o *Op) setInsert(v any) error {
	switch x := v.(type) {
	case nil:
		return fmt.Errorf("insert is null")
	case string:
		if !utf8.ValidString(x) {
			return fmt.Errorf("insert is not valid UTF-8")
		}
		o.kind, o.text, o.n = kindText, x, ot.UTF16Len(x)
	default:
		o.kind, o.embed, o.n = kindEmbed, x, 1
	}
	return nil
}

func (o *Op) setCount(k string, v any) error {
	n, ok := toLength(v)
	if !ok {
		return fmt.Errorf("%s must be a non-negative integer, got %v", k, v)
	}
	o.n = n
	if k == "retain" {
		o.kind = kindRetain
	} else {
		o.kind = kindDelete
	}
	return nil
}

func (o *Op) setAttrs(v any) error {
	switch x := v.(type) {
	case nil:
		o.attrs = nil
	case map[string]any:
		o.attrs = x
	default:
		return fmt.Errorf("attributes must be an object")
	}
	return nil
}

// toLength converts a JSON number to a length, refusing negative,
// fractional, non-finite and huge values.
func toLength(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		if x >= 0 && x <= maxLength && x == math.Trunc(x) {
			return int(x), true
		}
	case int:
		if x >= 0 && x <= maxLength {
			return x, true
		}
	}
	return 0, false
}
