package session

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// viaJSON is what cloneTree stands in for: encode, then decode.
func viaJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := ot.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := ot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestCloneTreeEqualsEncodeDecode(t *testing.T) {
	for _, v := range []any{
		nil, true, 1.5, math.Copysign(0, -1), "héllo 😀", []any{}, map[string]any{},
		[]any{3.0, "x", map[string]any{"d": 2.0, "p": []any{"a", 0.0}, "n": nil, "b": false}},
	} {
		got, ok := cloneTree(v)
		if !ok {
			t.Fatalf("cloneTree(%#v) refused a JSON tree", v)
		}
		if want := viaJSON(t, v); !reflect.DeepEqual(got, want) || math.Signbit(asFloat(got)) != math.Signbit(asFloat(want)) {
			t.Errorf("cloneTree(%#v) = %#v, encode+decode gives %#v", v, got, want)
		}
	}
	m := map[string]any{"k": []any{1.0}}
	c, _ := cloneTree(m)
	c.(map[string]any)["k"].([]any)[0] = 2.0
	if m["k"].([]any)[0] != 1.0 {
		t.Error("the copy shares storage with the original")
	}
}

func asFloat(v any) float64 { f, _ := v.(float64); return f }

func TestCloneTreeRefusesWhatIsNotATree(t *testing.T) {
	for _, v := range []any{
		1, int64(2), math.NaN(), math.Inf(1), "\xff", map[string]any{"\xfe": 1.0},
		[]any{json.RawMessage(`1`)}, struct{}{}, []string{"a"},
	} {
		if _, ok := cloneTree(v); ok {
			t.Errorf("cloneTree(%#v) accepted a value that is not a JSON tree", v)
		}
	}
}

func FuzzCloneTree(f *testing.F) {
	for _, s := range []string{`[1,"a",{"p":[0],"si":"x"}]`, `-0`, `{"a":{"b":[[],{}]}}`, `"\ud83d\ude00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ot.Decode(b)
		if err != nil {
			return
		}
		got, ok := cloneTree(v)
		if !ok {
			t.Fatalf("cloneTree refused a decoded tree %#v", v)
		}
		if want := viaJSON(t, v); !reflect.DeepEqual(got, want) {
			t.Fatalf("cloneTree = %#v, encode+decode gives %#v", got, want)
		}
	})
}
