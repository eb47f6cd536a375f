package ot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// ErrLoneSurrogate is wrapped by Decode's error for JSON text holding a
// UTF-16 surrogate without its partner. Go's encoding/json would silently
// turn it into U+FFFD; Weft refuses it instead (ot-types decision: reject,
// never repair).
var ErrLoneSurrogate = errors.New("lone UTF-16 surrogate")

// ErrInvalidUTF8 is wrapped by Decode's error for text that is not UTF-8.
var ErrInvalidUTF8 = errors.New("invalid UTF-8")

// CheckText reports whether data is UTF-8 with no lone surrogate escape.
// It does not check JSON syntax.
func CheckText(data []byte) error {
	if !utf8.Valid(data) {
		return ErrInvalidUTF8
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		i++
		if i >= len(data) || data[i] != 'u' {
			continue // a two-character escape; JSON syntax is checked later
		}
		u, ok := hex4(data, i+1)
		if !ok {
			continue
		}
		i += 4
		switch {
		case u >= 0xDC00 && u <= 0xDFFF:
			return fmt.Errorf("%w \\u%04x at byte %d", ErrLoneSurrogate, u, i-5)
		case u >= 0xD800 && u <= 0xDBFF:
			if i+6 < len(data) && data[i+1] == '\\' && data[i+2] == 'u' {
				if lo, ok := hex4(data, i+3); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					i += 6
					continue
				}
			}
			return fmt.Errorf("%w \\u%04x at byte %d", ErrLoneSurrogate, u, i-5)
		}
	}
	return nil
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// Decode parses one JSON value into a tree of nil, bool, float64, string,
// []any and map[string]any. It refuses invalid UTF-8, lone surrogates and
// trailing data, so every string in the result is valid Unicode.
func Decode(data []byte) (any, error) {
	if err := CheckText(data); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	v, err := decodeTree(data)
	if err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	return v, nil
}

// Unmarshal is json.Unmarshal with Decode's Unicode checks first.
func Unmarshal(data []byte, v any) error {
	if err := CheckText(data); err != nil {
		return fmt.Errorf("decode JSON: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode JSON: %w", err)
	}
	return nil
}

// Marshal encodes v as JavaScript's JSON.stringify would: no HTML escaping,
// U+2028 and U+2029 raw, -0 as 0, NaN and ±Inf as null, and numbers in
// JavaScript's format. Map keys are sorted, so equal trees encode equally.
// Values that are not JSON trees go through their MarshalJSON or
// encoding/json.
func Marshal(v any) ([]byte, error) {
	return AppendJSON(nil, v)
}

// AppendJSON appends Marshal's encoding of v to dst.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case float64:
		return AppendNumber(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case string:
		return AppendString(dst, x), nil
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = AppendJSON(dst, e); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		return appendObject(dst, x)
	case json.RawMessage:
		return append(dst, x...), nil
	case json.Marshaler:
		b, err := x.MarshalJSON()
		if err != nil {
			return dst, err
		}
		return append(dst, b...), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, fmt.Errorf("encode JSON: %w", err)
	}
	return append(dst, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

func appendObject(dst []byte, m map[string]any) ([]byte, error) {
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = AppendJSON(dst, m[k]); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// AppendNumber appends f as JavaScript's JSON.stringify writes it.
func AppendNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0') // also -0
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Go writes 1e-07; JavaScript writes 1e-7.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string the way JSON.stringify does.
// Invalid UTF-8 bytes (which Weft's own values never hold) are written as
// U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
