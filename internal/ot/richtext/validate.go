package richtext

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/ot"
)

// Validate reports whether op is a well-formed rich-text op that applies
// cleanly to snapshot. Beyond what the reference checks (nothing), it
// requires: an array or {"ops":[...]}; each element an object with exactly
// one of insert, retain, delete and no keys but those and attributes;
// lengths positive integers; inserts non-empty strings or embeds that are
// objects with exactly one key; attributes objects (not on deletes) whose
// values are strings, numbers, booleans or null; retains and deletes
// within the document; and no offset that splits a surrogate pair in the
// document. Errors wrap ot.ErrInvalidOp.
func (Type) Validate(snapshot, op any) error {
	doc, err := toOps(snapshot)
	if err != nil {
		return invalid("snapshot: %v", err)
	}
	var list []any
	switch x := op.(type) {
	case *Delta:
		list = opsTree(x.chunksOrNil())
	case []any:
		list = x
	case map[string]any:
		l, ok := x["ops"].([]any)
		if !ok || len(x) != 1 {
			return invalid("op must be an array or {\"ops\":[...]}")
		}
		list = l
	default:
		return invalid("op must be an array or {\"ops\":[...]}, got %T", op)
	}
	ends := make([]int, 0, len(list))
	pos := 0
	for i, e := range list {
		n, err := checkElement(e)
		if err != nil {
			return invalid("element %d: %v", i, err)
		}
		if n > 0 {
			if pos += n; pos > maxLength {
				return invalid("element %d: op too long", i)
			}
			ends = append(ends, pos)
		}
	}
	return checkDocument(doc, ends)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("rich-text: %w: %s", ot.ErrInvalidOp, fmt.Sprintf(format, args...))
}

// checkElement checks one op element and returns how many document units
// it spans (0 for inserts).
func checkElement(e any) (int, error) {
	m, ok := e.(map[string]any)
	if !ok {
		return 0, fmt.Errorf("not an object")
	}
	found, span := 0, 0
	for k, v := range m {
		switch k {
		case "insert":
			found++
			if err := checkInsert(v); err != nil {
				return 0, err
			}
		case "retain", "delete":
			found++
			n, ok := positive(v)
			if !ok {
				return 0, fmt.Errorf("%s must be a positive integer, got %s", k, describe(v))
			}
			span = n
		case "attributes":
			if err := checkAttrs(v); err != nil {
				return 0, err
			}
		default:
			return 0, fmt.Errorf("unknown key %q", k)
		}
	}
	if found != 1 {
		return 0, fmt.Errorf("must have exactly one of insert, retain, delete")
	}
	if _, ok := m["delete"]; ok {
		if _, ok := m["attributes"]; ok {
			return 0, fmt.Errorf("a delete cannot carry attributes")
		}
	}
	return span, nil
}

func positive(v any) (int, bool) {
	n, ok := toLength(v)
	return n, ok && n > 0
}

func checkInsert(v any) error {
	switch x := v.(type) {
	case string:
		if x == "" {
			return fmt.Errorf("insert is an empty string")
		}
		if !utf8.ValidString(x) {
			return fmt.Errorf("insert is not valid Unicode")
		}
		return nil
	case map[string]any:
		if len(x) != 1 {
			return fmt.Errorf("embed must be an object with exactly one key, got %d keys", len(x))
		}
		return nil
	}
	return fmt.Errorf("insert must be a string or an embed object, got %s", describe(v))
}

func checkAttrs(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("attributes must be an object, got %s", describe(v))
	}
	for k, a := range m {
		switch x := a.(type) {
		case nil, bool:
		case string:
			if !utf8.ValidString(x) {
				return fmt.Errorf("attribute %q is not valid Unicode", k)
			}
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("attribute %q is not a finite number", k)
			}
		case int:
		default:
			return fmt.Errorf("attribute %q must be a string, number, boolean or null, got %s", k, describe(a))
		}
	}
	return nil
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return fmt.Sprintf("%v", x)
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// checkDocument checks that doc holds only inserts, that the op's last
// retain or delete ends within it, and that no boundary in ends (document
// offsets, increasing) falls inside a surrogate pair.
func checkDocument(doc []chunk, ends []int) error {
	start, k := 0, 0
	for _, c := range doc {
		if k == len(ends) {
			break
		}
		if !c.inserts {
			return invalid("snapshot holds a retain or delete")
		}
		if ends[k] >= start+c.units {
			start += c.units // no boundary inside this chunk
			continue
		}
		for _, d := range c.ops {
			for ; k < len(ends) && ends[k] < start+d.n; k++ {
				if ends[k] > start && d.kind == kindText {
					if _, ok := advanceUTF16(d.text, 0, ends[k]-start); !ok {
						return invalid("offset %d splits a surrogate pair", ends[k])
					}
				}
			}
			start += d.n
		}
	}
	if k < len(ends) && ends[len(ends)-1] > start {
		return invalid("op spans %d units, document has %d", ends[len(ends)-1], start)
	}
	return nil
}
