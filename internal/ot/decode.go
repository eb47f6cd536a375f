package ot

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDecodeDepth is the deepest nesting decodeTree accepts, as
// encoding/json.
const maxDecodeDepth = 10000

// errSyntax is wrapped by decodeTree's errors.
var errSyntax = errors.New("invalid JSON")

// decodeTree parses one JSON value into exactly the tree that
// encoding/json.Unmarshal into an `any` returns (float64 numbers, []any,
// map[string]any with the last of duplicate keys, non-nil empty
// containers), and fails where it fails, but without reflection: ops and
// messages are decoded on every submit. Callers check the text with
// CheckText first; on text that passed, the strings are copied as they are.
func decodeTree(data []byte) (any, error) {
	d := treeDecoder{b: data}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i != len(d.b) {
		return nil, d.fail("data after the top-level value")
	}
	return v, nil
}

type treeDecoder struct {
	b []byte
	i int
}

func (d *treeDecoder) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errSyntax, what, d.i)
}

func (d *treeDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *treeDecoder) value(depth int) (any, error) {
	if d.i >= len(d.b) {
		return nil, d.fail("unexpected end")
	}
	switch c := d.b[d.i]; {
	case c == '{':
		if depth >= maxDecodeDepth {
			return nil, d.fail("nested too deeply")
		}
		return d.object(depth + 1)
	case c == '[':
		if depth >= maxDecodeDepth {
			return nil, d.fail("nested too deeply")
		}
		return d.array(depth + 1)
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, d.fail(fmt.Sprintf("unexpected %q", d.b[d.i]))
}

func (d *treeDecoder) literal(lit string) error {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		return d.fail("malformed literal")
	}
	d.i += len(lit)
	return nil
}

func (d *treeDecoder) object(depth int) (any, error) {
	d.i++ // {
	m := map[string]any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, d.fail("expected a key")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, d.fail("expected ':'")
		}
		d.i++
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
		d.space()
		if d.i >= len(d.b) {
			return nil, d.fail("unexpected end")
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, nil
		default:
			return nil, d.fail("expected ',' or '}'")
		}
	}
}

func (d *treeDecoder) array(depth int) (any, error) {
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, nil
	}
	for {
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.space()
		if d.i >= len(d.b) {
			return nil, d.fail("unexpected end")
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return a, nil
		default:
			return nil, d.fail("expected ',' or ']'")
		}
	}
}

// str decodes a string at d.i (its opening quote).
func (d *treeDecoder) str() (string, error) {
	d.i++ // "
	start := d.i
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			s := string(d.b[start:d.i])
			d.i++
			return s, nil
		case c == '\\':
			return d.escapedStr(start)
		case c < 0x20:
			return "", d.fail("control character in a string")
		default:
			d.i++
		}
	}
	return "", d.fail("unterminated string")
}

// escapedStr finishes a string with escapes, begun at start.
func (d *treeDecoder) escapedStr(start int) (string, error) {
	out := append(make([]byte, 0, d.i-start+16), d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out), nil
		case c < 0x20:
			return "", d.fail("control character in a string")
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			return "", d.fail("unterminated string")
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(d.b, d.i)
			if !ok {
				return "", d.fail("malformed \\u escape")
			}
			d.i += 4
			if utf16.IsSurrogate(r) {
				// A pair becomes one code point; anything else U+FFFD, as
				// encoding/json does (CheckText has refused lone ones).
				r2, ok := rune(0), false
				if d.i+6 <= len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					r2, ok = hex4(d.b, d.i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					d.i += 6
					r = dec
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", d.fail("malformed escape")
		}
	}
	return "", d.fail("unterminated string")
}

// number decodes a number as encoding/json does for an `any`: JSON's
// grammar, then strconv.ParseFloat, whose range error is an error.
func (d *treeDecoder) number() (any, error) {
	start := d.i
	digits := func() int {
		n := 0
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case digits() == 0:
		return nil, d.fail("malformed number")
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return nil, d.fail("malformed number")
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, d.fail("malformed number")
		}
	}
	f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	if err != nil {
		return nil, fmt.Errorf("%w: number %s out of range", errSyntax, d.b[start:d.i])
	}
	return f, nil
}
