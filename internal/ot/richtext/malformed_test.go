package richtext

import (
	"errors"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// TestValidateRejects is the malformed corpus: each op is refused by
// Validate with ot.ErrInvalidOp, and no core function panics on it.
func TestValidateRejects(t *testing.T) {
	const doc = `[{"insert":"a😀b"},{"insert":{"image":"x.png"},"attributes":{"bold":true}}]` // 5 units
	bad := []struct{ name, doc, op string }{
		{"zero retain", doc, `[{"retain":0},{"insert":"x"}]`},
		{"zero delete", doc, `[{"delete":0}]`},
		{"negative retain", doc, `[{"retain":-1},{"insert":"x"}]`},
		{"fractional retain", doc, `[{"retain":1.5},{"insert":"x"}]`},
		{"huge delete", doc, `[{"delete":1e300}]`},
		{"string length", doc, `[{"retain":"1"}]`},
		{"retain past end", doc, `[{"retain":6},{"insert":"x"}]`},
		{"delete past end", doc, `[{"retain":4},{"delete":2}]`},
		{"format past end", doc, `[{"retain":6,"attributes":{"bold":true}}]`},
		{"op is a string", doc, `"abc"`},
		{"op is a number", doc, `3`},
		{"op is null", doc, `null`},
		{"ops not an array", doc, `{"ops":{"insert":"x"}}`},
		{"extra key beside ops", doc, `{"ops":[],"v":1}`},
		{"element is a number", doc, `[1]`},
		{"element is null", doc, `[null]`},
		{"element is an array", doc, `[["insert","x"]]`},
		{"empty element", doc, `[{}]`},
		{"unknown key", doc, `[{"insert":"x","foo":1}]`},
		{"insert and retain", doc, `[{"insert":"x","retain":1}]`},
		{"retain and delete", doc, `[{"retain":1,"delete":1}]`},
		{"empty insert", doc, `[{"insert":""}]`},
		{"null insert", doc, `[{"insert":null}]`},
		{"number embed", doc, `[{"insert":1}]`},
		{"boolean embed", doc, `[{"insert":true}]`},
		{"array embed", doc, `[{"insert":["x"]}]`},
		{"embed without key", doc, `[{"insert":{}}]`},
		{"embed with two keys", doc, `[{"insert":{"image":"a","video":"b"}}]`},
		{"attributes array", doc, `[{"insert":"x","attributes":["bold"]}]`},
		{"attributes string", doc, `[{"insert":"x","attributes":"bold"}]`},
		{"attributes null", doc, `[{"insert":"x","attributes":null}]`},
		{"attribute object value", doc, `[{"insert":"x","attributes":{"link":{"href":"a"}}}]`},
		{"attribute array value", doc, `[{"retain":1,"attributes":{"list":[1]}}]`},
		{"attributes on delete", doc, `[{"delete":1,"attributes":{"bold":true}}]`},
		{"insert inside surrogate pair", doc, `[{"retain":2},{"insert":"x"}]`},
		{"delete half a pair", doc, `[{"retain":1},{"delete":1}]`},
		{"delete ending inside a pair", doc, `[{"delete":2}]`},
		{"format half a pair", doc, `[{"retain":2,"attributes":{"bold":true}}]`},
		{"snapshot with a retain", `[{"insert":"ab"},{"retain":2}]`, `[{"retain":3},{"insert":"x"}]`},
		{"snapshot element not an object", `["ab"]`, `[{"insert":"x"}]`},
	}
	typ := New()
	for _, c := range bad {
		d, err := ot.Decode([]byte(c.doc))
		if err != nil {
			t.Fatalf("%s: doc: %v", c.name, err)
		}
		op, err := ot.Decode([]byte(c.op))
		if err != nil {
			t.Fatalf("%s: op: %v", c.name, err)
		}
		if err := typ.Validate(d, op); !errors.Is(err, ot.ErrInvalidOp) {
			t.Errorf("%s: Validate = %v, want an error wrapping ErrInvalidOp", c.name, err)
		}
		exercise(t, typ, d, op)
	}
}

// TestValidateLoneSurrogate covers strings Decode can never produce: a
// CESU-8 encoded lone surrogate built in Go.
func TestValidateLoneSurrogate(t *testing.T) {
	typ := New()
	lone := "a\xed\xa0\x80"
	doc := []any{map[string]any{"insert": "abc"}}
	for _, op := range []any{
		[]any{map[string]any{"insert": lone}},
		[]any{map[string]any{"insert": "x", "attributes": map[string]any{"font": lone}}},
	} {
		if err := typ.Validate(doc, op); !errors.Is(err, ot.ErrInvalidOp) {
			t.Errorf("Validate(%v) = %v, want ErrInvalidOp", op, err)
		}
	}
}

func TestValidateAccepts(t *testing.T) {
	const doc = `{"ops":[{"insert":"a😀b"},{"insert":{"image":"x.png"},"attributes":{"bold":true}}]}`
	good := []string{
		`[]`,
		`{"ops":[]}`,
		`[{"retain":3},{"insert":"x"}]`,
		`[{"retain":1},{"delete":2}]`,
		`[{"retain":5,"attributes":{"bold":null,"size":12,"font":"serif","code":false}}]`,
		`[{"insert":{"video":{"src":"v.mp4"}},"attributes":{}}]`,
		`{"ops":[{"retain":4},{"delete":1},{"insert":"🤖","attributes":{"color":"red"}}]}`,
	}
	typ := New()
	d, _ := ot.Decode([]byte(doc))
	snap, err := typ.Create(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range good {
		op, _ := ot.Decode([]byte(s))
		for _, base := range []any{d, snap} {
			if err := typ.Validate(base, op); err != nil {
				t.Errorf("Validate(%s) = %v, want nil", s, err)
			}
		}
		if _, err := typ.Apply(snap, op); err != nil {
			t.Errorf("Apply(%s) = %v", s, err)
		}
	}
}

func TestCoreSplitErrors(t *testing.T) {
	// The reference leaves lone surrogates; Weft reports an error instead.
	typ := New()
	doc := []any{map[string]any{"insert": "a😀b"}}
	op := []any{map[string]any{"retain": 2.0}, map[string]any{"insert": "x"}}
	if _, err := typ.Apply(doc, op); !errors.Is(err, errSplit) {
		t.Errorf("Apply splitting a pair = %v, want errSplit", err)
	}
}
