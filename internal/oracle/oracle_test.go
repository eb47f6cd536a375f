package oracle_test

import (
	"testing"

	"github.com/weftdev/weft/internal/oracle"
)

func TestOracleRoundTrip(t *testing.T) {
	o := oracle.Start(t)
	text := "a😀é中\n👩‍💻 \u2028<&>"
	res := o.Run([]oracle.Call{
		{Type: "meta", Fn: "echo", Args: []any{text}},
		{Type: "text-unicode", Fn: "apply", Args: []any{"a😀b", []any{2.0, "X"}}},
		{Type: "rich-text", Fn: "apply", Args: []any{[]any{map[string]any{"insert": "😀"}}, []any{map[string]any{"retain": 1.0}, map[string]any{"insert": "x"}}}},
		{Type: "text-unicode", Fn: "apply", Args: []any{"abc", []any{5.0, "x"}}},
		{Type: "nope", Fn: "apply"},
	})
	if ok, d := oracle.Same(res[0], text, nil, true); !ok {
		t.Errorf("echo: %s", d)
	}
	if ok, d := oracle.Same(res[1], "a😀Xb", nil, true); !ok {
		t.Errorf("text-unicode apply: %s", d)
	}
	if res[2].Error == nil || res[2].Error.Name != "OracleLoneSurrogate" {
		t.Errorf("rich-text split surrogate: got %+v, want OracleLoneSurrogate", res[2])
	}
	if res[3].OK || res[3].Error.Message != "The op is too long for this document" {
		t.Errorf("text-unicode long op: got %+v", res[3])
	}
	if res[4].OK || res[4].Error.Name != "BadRequest" {
		t.Errorf("unknown type: got %+v", res[4])
	}
}

func TestRecorderRoundTrip(t *testing.T) {
	path := t.TempDir() + "/r.jsonl"
	rec := oracle.NewRecorder(path)
	c := oracle.Case{Call: oracle.Call{Type: "json0", Fn: "apply", Args: []any{map[string]any{"a": 1.0}, []any{}}},
		Want: oracle.Result{OK: true, Value: map[string]any{"a": 1.0}}, Note: "seed 1"}
	if err := rec.Record(c); err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(c); err != nil {
		t.Fatal(err)
	}
	got, err := oracle.LoadCases(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Fn != "apply" || got[1].Note != "seed 1" {
		t.Fatalf("LoadCases = %+v", got)
	}
	if ok, d := oracle.Same(got[0].Want, map[string]any{"a": 1.0}, nil, true); !ok {
		t.Error(d)
	}
}
