package json0

import (
	"errors"

	"strings"

	"github.com/weftdev/weft/internal/ot"
)

// errSplitsPair is returned where the reference would cut a string inside
// a surrogate pair, leaving a lone surrogate that a Go string cannot hold.
// This is Weft's one deliberate divergence (see the package documentation);
// Validate rejects such ops before they reach the core.
var errSplitsPair = errors.New("json0: string offset splits a UTF-16 surrogate pair")

// plus is JavaScript's binary +.
func plus(a, b any) any {
	a, b = toPrimitive(a), toPrimitive(b)
	_, aStr := a.(string)
	_, bStr := b.(string)
	if aStr || bStr {
		return toString(a) + toString(b)
	}
	return toNumber(a) + toNumber(b)
}

// minus is JavaScript's binary -.
func minus(a, b any) float64 { return toNumber(a) - toNumber(b) }

// lengthOf is JavaScript's v.length: UTF-16 units for strings, elements for
// arrays, undefined for other values, a TypeError for null and undefined.
func lengthOf(v any) (any, error) {
	switch x := v.(type) {
	case nil, undefinedT:
		return nil, typeError("Cannot read properties of " + toString(v) + " (reading 'length')")
	case string:
		return float64(ot.UTF16Len(x)), nil
	case []any:
		return float64(len(x)), nil
	}
	return undef, nil
}

// sliceValue is JavaScript's v.slice(start, end) for strings and arrays;
// end may be undefined.
func sliceValue(v any, start, end any) (any, error) {
	switch x := v.(type) {
	case string:
		n := ot.UTF16Len(x)
		from, to := relativeIndex(start, n), n
		if !isUndef(end) {
			to = relativeIndex(end, n)
		}
		return utf16Slice(x, from, to)
	case []any:
		n := len(x)
		from, to := relativeIndex(start, n), n
		if !isUndef(end) {
			to = relativeIndex(end, n)
		}
		if to < from {
			to = from
		}
		return append([]any(nil), x[from:to]...), nil
	case nil, undefinedT:
		return nil, typeError("Cannot read properties of " + toString(v) + " (reading 'slice')")
	}
	return nil, typeError("slice is not a function")
}

// utf16Slice returns s between UTF-16 offsets from and to (clamped as
// String.prototype.slice does), failing when an offset splits a pair.
func utf16Slice(s string, from, to int) (string, error) {
	if to <= from {
		return "", nil
	}
	if isASCII(s) {
		return s[from:to], nil
	}
	a, ok := ot.UTF16Offset(s, from)
	if !ok {
		return "", errSplitsPair
	}
	b, ok := ot.UTF16Offset(s, to)
	if !ok {
		return "", errSplitsPair
	}
	return s[a:b], nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// strInject inserts s2 into s1 at pos: s1.slice(0, pos) + s2 + s1.slice(pos).
func strInject(s1, pos, s2 any) (any, error) {
	if s, ok := s1.(string); ok {
		if t, ok := s2.(string); ok {
			return injectString(s, toIntegerOrInfinity(pos), t)
		}
	}
	head, err := sliceValue(s1, 0.0, pos)
	if err != nil {
		return nil, err
	}
	tail, err := sliceValue(s1, pos, undef)
	if err != nil {
		return nil, err
	}
	return plus(plus(head, s2), tail), nil
}

// injectString is strInject's common case: a string into a string.
func injectString(s string, pos float64, ins string) (any, error) {
	n := ot.UTF16Len(s)
	p := relativeIndex(pos, n)
	at := p
	if !isASCII(s) {
		var ok bool
		if at, ok = ot.UTF16Offset(s, p); !ok {
			return nil, errSplitsPair
		}
	}
	var b strings.Builder
	b.Grow(len(s) + len(ins))
	b.WriteString(s[:at])
	b.WriteString(ins)
	b.WriteString(s[at:])
	return b.String(), nil
}

// addNumbers is JavaScript's + on two values where the left is a number.
func addNumbers(a, b any) any {
	if x, ok := a.(float64); ok {
		if y, ok := b.(float64); ok {
			return x + y
		}
	}
	return plus(a, b)
}

// negate is JavaScript's unary minus.
func negate(v any) float64 {
	f := toNumber(v)
	if f == 0 {
		return 0 // -0 serialises as 0 anyway
	}
	return -f
}
