package textunicode

import (
	"errors"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// js decodes a JSON literal for the tables.
func js(t *testing.T, s string) any {
	t.Helper()
	v, err := ot.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func enc(t *testing.T, v any) string {
	t.Helper()
	b, err := ot.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return string(b)
}

// check compares a result with want, which is JSON or "error: <message>".
func checkResult(t *testing.T, what string, got any, err error, want string) {
	t.Helper()
	if err != nil {
		if want != "error: "+err.Error() {
			t.Errorf("%s: error %q, want %s", what, err, want)
		}
		return
	}
	if g := enc(t, got); g != want {
		t.Errorf("%s = %s, want %s", what, g, want)
	}
}

func TestCreate(t *testing.T) {
	typ := New()
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, `""`}, {"", `""`}, {"oh hi", `"oh hi"`},
		{123.0, "error: Initial data must be a string"},
	} {
		got, err := typ.Create(tc.in)
		checkResult(t, "create", got, err, tc.want)
	}
}

func TestNormalize(t *testing.T) {
	typ := New()
	for _, tc := range [][2]string{
		{`[0]`, `[]`}, {`[""]`, `[]`}, {`[{"d":0}]`, `[]`},
		{`[{"d":2}]`, `[{"d":2}]`}, {`[1,1]`, `[]`}, {`[2,0]`, `[]`},
		{`[1,1,"hi"]`, `[2,"hi"]`}, {`[{"d":1},{"d":1},"hi"]`, `[{"d":2},"hi"]`},
		{`["a",100]`, `["a"]`}, {`["a","b"]`, `["ab"]`}, {`["ab",""]`, `["ab"]`},
		{`[0,"a",0,"b",0]`, `["ab"]`}, {`["a",1,"b"]`, `["a",1,"b"]`},
		{`[{"d":"ab"},{"d":2}]`, `[{"d":4}]`}, {`[{"d":"ab"},{"d":"😀"}]`, `[{"d":"ab😀"}]`},
		{`[true,true,"a"]`, `[2,"a"]`}, {`[false,"a"]`, `["a"]`},
		{`[{"d":1,"x":2},{"d":2}]`, `[{"d":3,"x":2}]`},
		{`[-1,"a",-2]`, `[-1,"a"]`}, {`[1.5,"a"]`, `[1.5,"a"]`},
		{`[null]`, "error: TypeError: Cannot read properties of null (reading 'd')"},
		{`5`, "error: Op must be an array of components"},
	} {
		got, err := typ.Normalize(js(t, tc[0]))
		checkResult(t, "normalize "+tc[0], got, err, tc[1])
	}
}

func TestApply(t *testing.T) {
	typ := New()
	for _, tc := range [][3]string{
		{`"a😀b"`, `[2,"X"]`, `"a😀Xb"`},
		{`"abc"`, `[3,"x"]`, `"abcx"`},
		{`"abc"`, `[5,"x"]`, "error: The op is too long for this document"},
		{`"abc"`, `[1,{"d":10}]`, `"a"`},
		{`"abc"`, `[{"d":"xyz"}]`, `""`},
		{`"abc"`, `[1.5,"x"]`, `"abxc"`},
		{`"abc"`, `[true,1,"x"]`, `"axbc"`},
		{`"abc"`, `[]`, `"abc"`},
		{`"👩‍💻x"`, `[2,{"d":1},1,"y"]`, `"👩‍xy"`},
		{`"abc"`, `[1,1,"x"]`, "error: Adjacent skip components should be combined"},
		{`"abc"`, `[1]`, "error: Op has a trailing skip"},
		{`"abc"`, `[""]`, "error: Inserts cannot be empty"},
		{`"abc"`, `[0,"x"]`, "error: Skip components must be >0"},
		{`"abc"`, `[{"d":0}]`, "error: Deletes must not be empty"},
		{`"abc"`, `[{"d":""}]`, "error: Deletes must not be empty"},
		{`"abc"`, `[{"d":true}]`, "error: Delete must be number or string"},
		{`"abc"`, `[[1]]`, "error: Delete must be number or string"},
		{`"abc"`, `{}`, "error: Op must be an array of components"},
		{`5`, `["x"]`, "error: Invalid document snapshot: 5"},
	} {
		got, err := typ.Apply(js(t, tc[0]), js(t, tc[1]))
		checkResult(t, "apply "+tc[0]+" "+tc[1], got, err, tc[2])
	}
}

func TestCompose(t *testing.T) {
	typ := New()
	for _, tc := range [][3]string{
		{`["👻"]`, `[1,"🥰"]`, `["👻🥰"]`},
		{`[1,"a👻b"]`, `[2,{"d":1}]`, `[1,"ab"]`},
		{`[1,"a👻b"]`, `[3,{"d":1}]`, `[1,"a👻"]`},
		{`["👻🥰💃"]`, `[1,{"d":1}]`, `["👻💃"]`},
		{`[{"d":"abc"}]`, `[{"d":2}]`, `[{"d":5}]`},
		{`["abc"]`, `[{"d":"abc"}]`, `[]`},
		{`[2,{"d":"xy"}]`, `[1,{"d":"bc"},"Z"]`, `[1,{"d":"bxyc"},"Z"]`},
		{`[1]`, `["x"]`, "error: Op has a trailing skip"},
	} {
		got, err := typ.Compose(js(t, tc[0]), js(t, tc[1]))
		checkResult(t, "compose "+tc[0]+" "+tc[1], got, err, tc[2])
	}
}

func TestTransform(t *testing.T) {
	for _, tc := range [][4]string{
		// op, other, left, right
		{`["👻"]`, `["🥰"]`, `["👻"]`, `[1,"👻"]`},
		{`["a"]`, `["b"]`, `["a"]`, `[1,"a"]`},
		{`[1,{"d":3}]`, `[2,"XY"]`, `[1,{"d":1},2,{"d":2}]`, `[1,{"d":1},2,{"d":2}]`},
		{`[{"d":"ab😀cd"}]`, `[3,"Z"]`, `[{"d":"ab😀"},1,{"d":"cd"}]`, `[{"d":"ab😀"},1,{"d":"cd"}]`},
		{`[1,{"d":3}]`, `[2,{"d":3}]`, `[1,{"d":1}]`, `[1,{"d":1}]`},
		{`[1,{"d":1}]`, `[1,"X"]`, `[2,{"d":1}]`, `[2,{"d":1}]`},
		{`[1,"x"]`, `["😀😀"]`, `[3,"x"]`, `[3,"x"]`},
		{`[true]`, `[]`, "error: TypeError: Cannot read properties of undefined (reading 'length')", ""},
	} {
		for i, side := range []string{"left", "right"} {
			want := tc[2+i]
			if want == "" {
				continue
			}
			got, err := TransformSide(js(t, tc[0]), js(t, tc[1]), side)
			checkResult(t, "transform "+tc[0]+" "+tc[1]+" "+side, got, err, want)
		}
	}
	_, err := TransformSide(js(t, `["a"]`), js(t, `["b"]`), "up")
	if err == nil || err.Error() != "side (up) must be 'left' or 'right'" {
		t.Errorf("transform side up: %v", err)
	}
}

func TestTransformPosition(t *testing.T) {
	del := `[25,{"d":20}]`
	op := `[10,"oh hi",10,{"d":20}]`
	for _, tc := range []struct {
		op        string
		cur, want int
	}{
		{op, 10, 10}, {del, 25, 25}, {del, 35, 25}, {del, 45, 25}, {del, 10, 10},
		{del, 55, 35}, {op, 0, 0}, {op, 100, 85}, {op, 11, 16}, {op, 20, 25},
		{op, 30, 25}, {op, 40, 25}, {op, 41, 26},
		{`["👻🥰💃"]`, 1, 4}, {`[2,"👻🥰💃"]`, 1, 1},
		{`[1,"xx"]`, 1, 1}, {`["xx"]`, 0, 0},
	} {
		got, err := TransformPosition(tc.cur, js(t, tc.op))
		if err != nil || got != tc.want {
			t.Errorf("transformPosition(%d, %s) = %d, %v; want %d", tc.cur, tc.op, got, err, tc.want)
		}
		sel, err := TransformSelection([]any{float64(tc.cur), float64(tc.cur)}, js(t, tc.op))
		want := enc(t, []any{tc.want, tc.want})
		if err != nil || enc(t, sel) != want {
			t.Errorf("transformSelection(%d, %s) = %v, %v; want %s", tc.cur, tc.op, sel, err, want)
		}
	}
}

func TestInvertFamily(t *testing.T) {
	typ := New()
	got, err := typ.Invert(js(t, `[1,"ab",{"d":"c😀"}]`))
	checkResult(t, "invert", got, err, `[1,{"d":"ab"},"c😀"]`)
	got, err = typ.Invert(js(t, `[1,{"d":2}]`))
	checkResult(t, "invert numeric", got, err, "error: "+errNoText.Error())
	got, err = MakeInvertible(js(t, `[1,{"d":2},1,{"d":9}]`), "a😀bcd")
	checkResult(t, "makeInvertible", got, err, `[1,{"d":"😀b"},1,{"d":"d"}]`)
	got, err = InvertWithDoc(js(t, `[1,{"d":2},"x"]`), "a😀bcd")
	checkResult(t, "invertWithDoc", got, err, `[1,"😀b",{"d":"x"}]`)
	got, err = StripInvertible(js(t, `[{"d":"😀b"},"x"]`))
	checkResult(t, "stripInvertible", got, err, `[{"d":2},"x"]`)
	for op, want := range map[string]bool{`[{"d":"a"}]`: true, `[1,{"d":1}]`: false, `[]`: true} {
		if got, err := IsInvertible(js(t, op)); got != want || err != nil {
			t.Errorf("isInvertible(%s) = %v, %v", op, got, err)
		}
	}
	if !IsNoop(js(t, `[]`)) || IsNoop(js(t, `["a"]`)) {
		t.Error("isNoop wrong")
	}
}

func TestHelpers(t *testing.T) {
	for _, tc := range []struct {
		got  Op
		want string
	}{
		{InsertOp(0, "x"), `["x"]`}, {InsertOp(3, "x"), `[3,"x"]`}, {InsertOp(3, ""), `[]`},
		{RemoveOp(0, 2), `[{"d":2}]`}, {RemoveOp(2, 2), `[2,{"d":2}]`}, {RemoveOp(2, 0), `[]`},
		{RemoveTextOp(1, "ab"), `[1,{"d":"ab"}]`}, {RemoveTextOp(1, ""), `[]`},
	} {
		if g := enc(t, tc.got); g != tc.want {
			t.Errorf("helper = %s, want %s", g, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	typ := New()
	for _, tc := range []struct{ doc, op string }{
		{`"abc"`, `["x"]`}, {`"abc"`, `[3,"x"]`}, {`"a😀b"`, `[1,{"d":"😀"},"x"]`},
		{`"abc"`, `[{"d":3}]`}, {`""`, `[]`}, {`"abc"`, `["a","b",{"d":1},{"d":"bc"}]`},
	} {
		if err := typ.Validate(js(t, tc.doc), js(t, tc.op)); err != nil {
			t.Errorf("Validate(%s, %s) = %v, want nil", tc.doc, tc.op, err)
		}
	}
	if err := typ.Validate("abc", Op{Skip(1), Insert("x")}); err != nil {
		t.Errorf("Validate typed op: %v", err)
	}
	err := typ.Validate("abc", js(t, `[4,"x"]`))
	if !errors.Is(err, ot.ErrInvalidOp) {
		t.Errorf("Validate past end = %v, want ErrInvalidOp", err)
	}
}
