package json0

import (
	"maps"
	"math"

	"github.com/weftdev/weft/internal/ot"
)

// cloneJSON deep-copies v as JSON.parse(JSON.stringify(v)) would for the
// JSON trees the package handles: NaN and ±Inf become null, undefined
// members are dropped and undefined array elements become null.
func cloneJSON(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		if x == 0 && math.Signbit(x) {
			return 0.0
		}
		return v
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if isUndef(e) {
				out[i] = nil
			} else {
				out[i] = cloneJSON(e)
			}
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !isUndef(e) {
				out[k] = cloneJSON(e)
			}
		}
		return out
	case nil, bool, string:
		return v
	case undefinedT:
		return undef
	}
	return cloneForeign(v)
}

// cloneForeign turns a value that is not a JSON tree (an int, a struct,
// json.RawMessage) into one through its JSON encoding.
func cloneForeign(v any) any {
	b, err := ot.Marshal(v)
	if err != nil {
		return nil
	}
	t, err := ot.Decode(b)
	if err != nil {
		return nil
	}
	return t
}

// cloneComponent copies a component the way the reference's JSON round
// trip does, except that composite values (li, oi, o, ...) are shared
// rather than deep-copied: nothing in this package modifies a value inside
// an op in place (Apply copies what it inserts), so sharing is safe. The
// path is copied, since transforms rewrite it, and the numbers the package
// computes (lm, na) are normalised as JSON would (NaN becomes null).
// Components never hold undefined values.
func cloneComponent(c map[string]any) map[string]any {
	out := maps.Clone(c)
	if out == nil {
		out = map[string]any{}
	}
	if p, ok := out["p"].([]any); ok {
		cp := make([]any, len(p), len(p)+1)
		for i, e := range p {
			if f, ok := e.(float64); ok && !isPlainNumber(f) {
				e = cloneJSON(e)
			} else if isUndef(e) {
				e = nil
			}
			cp[i] = e
		}
		out["p"] = cp
	}
	for _, k := range [...]string{"lm", "na"} {
		if f, ok := out[k].(float64); ok && !isPlainNumber(f) {
			out[k] = cloneJSON(f)
		}
	}
	return out
}

// isPlainNumber reports whether JSON keeps f as it is (not NaN, ±Inf or -0).
func isPlainNumber(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0) && !(f == 0 && math.Signbit(f))
}
