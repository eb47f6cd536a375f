package session

import (
	"math"
	"unicode/utf8"
)

// maxTreeDepth bounds cloneTree's recursion; deeper trees take the slow path.
const maxTreeDepth = 10000

// cloneTree returns a deep copy of v when v is a JSON tree of the kinds
// ot.Decode returns (nil, bool, finite float64, valid UTF-8 string, []any,
// map[string]any), equal to what decoding ot.Marshal(v) would give (-0
// becomes 0), without the encode and decode. ok is false for anything else
// (another Go type, NaN or infinity, invalid UTF-8, extreme depth): callers
// then decode the encoding.
func cloneTree(v any) (any, bool) {
	return cloneTreeAt(v, 0)
}

func cloneTreeAt(v any, depth int) (any, bool) {
	if depth > maxTreeDepth {
		return nil, false
	}
	switch x := v.(type) {
	case nil, bool:
		return x, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		if x == 0 {
			return 0.0, true // Marshal writes -0 as 0
		}
		return x, true
	case string:
		return x, utf8.ValidString(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, ok := cloneTreeAt(e, depth+1)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !utf8.ValidString(k) {
				return nil, false
			}
			c, ok := cloneTreeAt(e, depth+1)
			if !ok {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	}
	return nil, false
}
