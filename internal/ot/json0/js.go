package json0

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/weftdev/weft/internal/ot"
)

// The reference is JavaScript, and much of its behaviour on unusual input
// follows from JavaScript's value semantics: property reads that yield
// undefined, loose and strict equality, numeric coercion of path elements.
// This file models the small part of those semantics the port needs, over
// JSON trees (nil, bool, float64, string, []any, map[string]any).

// undefinedT is JavaScript's undefined. It never appears in values the
// package returns: maps drop it and arrays turn it into null, as JSON does.
type undefinedT struct{}

var undef any = undefinedT{}

func isUndef(v any) bool { _, ok := v.(undefinedT); return ok }

// isNullish is JavaScript's v == null.
func isNullish(v any) bool { return v == nil || isUndef(v) }

// errTypeError stands for the JavaScript engine's TypeError. Its messages
// vary between engines, so only the fact of failing is faithful.
var errTypeError = errors.New("TypeError")

func typeError(msg string) error { return &jsTypeError{msg} }

type jsTypeError struct{ msg string }

func (e *jsTypeError) Error() string { return "TypeError: " + e.msg }
func (e *jsTypeError) Unwrap() error { return errTypeError }

// field returns m[k] or undefined when absent.
func field(m map[string]any, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	return undef
}

// has is JavaScript's m.k !== undefined.
func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// notNull is JavaScript's m.k != null.
func notNull(m map[string]any, k string) bool { v, ok := m[k]; return ok && v != nil }

// truthy is JavaScript's Boolean(v).
func truthy(v any) bool {
	switch x := v.(type) {
	case nil, undefinedT:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

// toNumber is JavaScript's ToNumber.
func toNumber(v any) float64 {
	switch x := v.(type) {
	case nil:
		return 0
	case undefinedT:
		return math.NaN()
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	case string:
		return stringToNumber(x)
	case []any:
		return stringToNumber(toString(x))
	}
	return math.NaN()
}

func stringToNumber(s string) float64 {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return 0
	case "Infinity", "+Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' || s[1] == 'O' || s[1] == 'b' || s[1] == 'B') {
		base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[1]]
		n, err := strconv.ParseUint(s[2:], base, 64)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return math.NaN()
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return math.NaN()
	}
	return f
}

// numberString is JavaScript's Number.prototype.toString().
func numberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return string(ot.AppendNumber(nil, f))
}

// toString is JavaScript's ToString (arrays join with commas, objects are
// "[object Object]").
func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case undefinedT:
		return "undefined"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return numberString(x)
	case string:
		return x
	case []any:
		return joinArray(x)
	}
	return "[object Object]"
}

// joinArray is Array.prototype.join(): null and undefined become "".
func joinArray(a []any) string {
	var b strings.Builder
	for i, e := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if !isNullish(e) {
			b.WriteString(toString(e))
		}
	}
	return b.String()
}

// toPrimitive is ToPrimitive with the default hint for JSON values.
func toPrimitive(v any) any {
	switch v.(type) {
	case []any, map[string]any:
		return toString(v)
	}
	return v
}

// strictEq is JavaScript's ===. Objects and arrays are never equal: the
// reference compares clones, which never share identity.
func strictEq(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case undefinedT:
		return isUndef(b)
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	}
	return false
}

// looseEq is JavaScript's ==.
func looseEq(a, b any) bool {
	if isNullish(a) || isNullish(b) {
		return isNullish(a) && isNullish(b)
	}
	_, ao := a.(map[string]any)
	_, aa := a.([]any)
	_, bo := b.(map[string]any)
	_, ba := b.([]any)
	if (ao || aa) && (bo || ba) {
		return false
	}
	a, b = toPrimitive(a), toPrimitive(b)
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr && bStr {
		return as == bs
	}
	return toNumber(a) == toNumber(b)
}

// less is JavaScript's a < b.
func less(a, b any) bool {
	a, b = toPrimitive(a), toPrimitive(b)
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr && bStr {
		return compareUTF16(as, bs) < 0
	}
	return toNumber(a) < toNumber(b)
}

// lessEq is JavaScript's a <= b (false when either side is NaN).
func lessEq(a, b any) bool {
	a, b = toPrimitive(a), toPrimitive(b)
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr && bStr {
		return compareUTF16(as, bs) <= 0
	}
	return toNumber(a) <= toNumber(b)
}

// compareUTF16 orders strings by UTF-16 code units, as JavaScript does.
func compareUTF16(a, b string) int {
	if a == b {
		return 0
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			if ua[i] < ub[i] {
				return -1
			}
			return 1
		}
	}
	return len(ua) - len(ub)
}

// propertyKey is JavaScript's ToPropertyKey.
func propertyKey(k any) string { return toString(k) }

// arrayIndex returns the array index a property key names, if any.
func arrayIndex(k any) (int, bool) {
	if f, ok := k.(float64); ok {
		if f >= 0 && f < 1<<32-1 && f == math.Trunc(f) {
			return int(f), true
		}
		return 0, false
	}
	s := propertyKey(k)
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n >= 1<<32-1 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// toIntegerOrInfinity is ToIntegerOrInfinity, clamped to int range.
func toIntegerOrInfinity(v any) float64 {
	f := toNumber(v)
	if math.IsNaN(f) {
		return 0
	}
	return math.Trunc(f)
}

// relativeIndex is the start index Array.prototype.splice and slice derive
// from k for a sequence of length n.
func relativeIndex(k any, n int) int {
	f := toIntegerOrInfinity(k)
	if f < 0 {
		f += float64(n)
		if f < 0 {
			f = 0
		}
	}
	if f > float64(n) {
		f = float64(n)
	}
	return int(f)
}

// get is JavaScript's v[k] on a JSON value.
func get(v any, k any) (any, error) {
	switch x := v.(type) {
	case nil, undefinedT:
		return nil, typeError("Cannot read properties of " + toString(v) + " (reading '" + propertyKey(k) + "')")
	case map[string]any:
		return field(x, propertyKey(k)), nil
	case []any:
		if i, ok := arrayIndex(k); ok && i < len(x) {
			return x[i], nil
		}
	case string:
		if i, ok := arrayIndex(k); ok {
			if s, ok := utf16At(x, i); ok {
				return s, nil
			}
		}
	}
	return undef, nil
}

// utf16At returns the one-unit string at UTF-16 index i of s. A unit that
// is half of a surrogate pair cannot be held in a Go string; it comes back
// as U+FFFD.
func utf16At(s string, i int) (string, bool) {
	n := 0
	for _, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if i < n+w {
			if w == 2 {
				return "\uFFFD", true
			}
			return string(r), true
		}
		n += w
	}
	return "", false
}

// stringify is JSON.stringify(v) as the reference builds error messages
// with it (undefined gives "undefined").
func stringify(v any) string {
	if isUndef(v) {
		return "undefined"
	}
	b, err := ot.Marshal(cloneJSON(v))
	if err != nil {
		return "null"
	}
	return string(b)
}
