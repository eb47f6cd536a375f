package ot_test

import (
	"errors"
	"math"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

func TestDecodeRefusesLoneSurrogates(t *testing.T) {
	for _, in := range []string{
		`"\ud83d"`, `"\ude00"`, `"a\ud83dx\ude00"`, `["\uD800\u0041"]`, `{"k\udfff":1}`, `"\ud83d\\ude00"`,
	} {
		if _, err := ot.Decode([]byte(in)); !errors.Is(err, ot.ErrLoneSurrogate) {
			t.Errorf("Decode(%s) error = %v, want ErrLoneSurrogate", in, err)
		}
	}
	if _, err := ot.Decode([]byte("\"\xed\xa0\x80\"")); !errors.Is(err, ot.ErrInvalidUTF8) {
		t.Errorf("Decode(raw surrogate bytes) error = %v, want ErrInvalidUTF8", err)
	}
	v, err := ot.Decode([]byte(`"\ud83d\ude00 \\ud83d"`))
	if err != nil || v != "😀 \\ud83d" {
		t.Errorf("Decode(pair) = %q, %v", v, err)
	}
}

func TestMarshalLikeJavaScript(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{math.Copysign(0, -1), `0`},
		{math.Inf(1), `null`},
		{1e21, `1e+21`},
		{1e20, `100000000000000000000`},
		{1e-7, `1e-7`},
		{0.1, `0.1`},
		{"<&>\u2028\n\x01\"\\", "\"<&>\u2028\\n\\u0001\\\"\\\\\""},
		{map[string]any{"b": []any{1.0, nil, true}, "a": map[string]any{}}, `{"a":{},"b":[1,null,true]}`},
	} {
		got, err := ot.Marshal(c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestUnicodeOffsets(t *testing.T) {
	s := "a😀é"
	if n := ot.UTF16Len(s); n != 4 {
		t.Errorf("UTF16Len = %d, want 4", n)
	}
	for u, want := range map[int]int{0: 0, 1: 1, 3: 5, 4: 7} {
		if got, ok := ot.UTF16Offset(s, u); !ok || got != want {
			t.Errorf("UTF16Offset(%d) = %d, %v; want %d", u, got, ok, want)
		}
	}
	for _, u := range []int{-1, 2, 5} {
		if _, ok := ot.UTF16Offset(s, u); ok {
			t.Errorf("UTF16Offset(%d) ok, want not ok", u)
		}
	}
	if got, ok := ot.CodePointOffset(s, 2); !ok || got != 5 {
		t.Errorf("CodePointOffset(2) = %d, %v", got, ok)
	}
	if _, ok := ot.CodePointOffset(s, 4); ok {
		t.Error("CodePointOffset past end ok")
	}
}

func TestRegistry(t *testing.T) {
	if _, err := ot.NewRegistry(); err != nil {
		t.Fatal(err)
	}
	r, _ := ot.NewRegistry()
	if _, err := r.Lookup("json0"); !errors.Is(err, ot.ErrUnknownType) {
		t.Errorf("Lookup on empty registry: %v", err)
	}
}
