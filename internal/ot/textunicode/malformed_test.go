package textunicode

import (
	"errors"
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// TestMalformed asserts that Validate rejects each kind of malformed op
// with an error wrapping ot.ErrInvalidOp that names the problem, and that
// no function panics on it.
func TestMalformed(t *testing.T) {
	typ := New()
	for _, tc := range []struct {
		name, doc, op, want string
	}{
		{"zero skip", `"abc"`, `[0,"x"]`, "not a positive integer"},
		{"negative skip", `"abc"`, `[-1,"x"]`, "not a positive integer"},
		{"fractional skip", `"abc"`, `[1.5,"x"]`, "not a positive integer"},
		{"huge skip", `"abc"`, `[1e300,"x"]`, "not a positive integer"},
		{"zero delete", `"abc"`, `[{"d":0}]`, "not a positive integer"},
		{"negative delete", `"abc"`, `[{"d":-2}]`, "not a positive integer"},
		{"fractional delete", `"abc"`, `[{"d":0.5}]`, "not a positive integer"},
		{"skip past end", `"abc"`, `[4,"x"]`, "past the end"},
		{"skip past end (emoji)", `"a😀"`, `[3,"x"]`, "past the end"},
		{"delete past end", `"abc"`, `[1,{"d":3}]`, "past the end"},
		{"delete text past end", `"ab"`, `[1,{"d":"bc"}]`, "does not match"},
		{"delete text mismatch", `"abc"`, `[{"d":"xy"}]`, "does not match"},
		{"delete text splits pair", `"😀"`, `[{"d":"a"}]`, "does not match"},
		{"empty delete text", `"abc"`, `[{"d":""}]`, "empty"},
		{"empty insert", `"abc"`, `[""]`, "empty"},
		{"trailing skip", `"abc"`, `["x",2]`, "trailing skip"},
		{"adjacent skips", `"abc"`, `[1,1,"x"]`, "follows another skip"},
		{"unknown key", `"abc"`, `[{"d":1,"x":1}]`, "other than"},
		{"unknown key on text delete", `"abc"`, `[{"d":"a","i":"b"}]`, "other than"},
		{"object without d", `"abc"`, `[{"i":"x"}]`, "an object"},
		{"d is a boolean", `"abc"`, `[{"d":true}]`, "an object"},
		{"d is null", `"abc"`, `[{"d":null}]`, "an object"},
		{"d is an array", `"abc"`, `[{"d":[1]}]`, "an object"},
		{"boolean component", `"abc"`, `[true,"x"]`, "a boolean"},
		{"null component", `"abc"`, `[null]`, "null"},
		{"array component", `"abc"`, `[[1]]`, "an array"},
		{"op is an object", `"abc"`, `{"d":1}`, "must be an array"},
		{"op is a string", `"abc"`, `"x"`, "must be an array"},
		{"op is a number", `"abc"`, `3`, "must be an array"},
		{"op is null", `"abc"`, `null`, "must be an array"},
		{"snapshot not a string", `5`, `["x"]`, "not a string"},
		{"snapshot is null", `null`, `[]`, "not a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, op := js(t, tc.doc), js(t, tc.op)
			err := typ.Validate(doc, op)
			if !errors.Is(err, ot.ErrInvalidOp) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate(%s, %s) = %v, want ErrInvalidOp mentioning %q", tc.doc, tc.op, err, tc.want)
			}
			exercise(t, op)
			exercise(t, doc)
		})
	}
}

// TestMalformedTyped covers what only Go callers can pass: invalid UTF-8
// and components built outside the constructors.
func TestMalformedTyped(t *testing.T) {
	typ := New()
	for name, op := range map[string]Op{
		"invalid UTF-8 insert": {Insert("a\xffb")},
		"zero component":       {{}},
		"zero delete":          {Delete(0)},
		"negative skip":        {Skip(-1), Insert("x")},
	} {
		if err := typ.Validate("abc", op); !errors.Is(err, ot.ErrInvalidOp) {
			t.Errorf("%s: Validate = %v, want ErrInvalidOp", name, err)
		}
		exercise(t, op)
	}
	var nilOp *Op
	if err := typ.Validate("abc", nilOp); !errors.Is(err, ot.ErrInvalidOp) {
		t.Errorf("nil *Op: Validate = %v, want ErrInvalidOp", err)
	}
	if _, err := ot.Decode([]byte(`["\ud83d"]`)); err == nil {
		t.Error("a lone surrogate decoded; Validate relies on Decode refusing it")
	}
}
