package json0

import (
	"errors"
	"os"
	"testing"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// upstreamCase is one assertion of the reference's own test suite
// (test/json0.coffee, test/text0.coffee), transcribed to JSON.
type upstreamCase struct {
	Line int    `json:"line"`
	Fn   string `json:"fn"`
	Args []any  `json:"args"`
	Want any    `json:"want"`
}

func loadUpstream(t *testing.T, path string) []upstreamCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []upstreamCase
	if err := ot.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 50 {
		t.Fatalf("%s: only %d cases", path, len(cases))
	}
	return cases
}

// mockSubtype is the subtype the upstream json0 tests register: its
// transform always returns {mock: true}.
type mockSubtype struct{}

func (mockSubtype) Name() string                  { return "mock" }
func (mockSubtype) Apply(s, op any) (any, error)  { return s, nil }
func (mockSubtype) Compose(a, b any) (any, error) { return b, nil }
func (mockSubtype) Invert(op any) (any, error)    { return op, nil }
func (mockSubtype) Transform(op, other any, side ot.Side) (any, error) {
	return map[string]any{"mock": true}, nil
}

func callJSON0(typ *Type, fn string, args []any) (any, error) {
	switch fn {
	case "create":
		if len(args) == 0 {
			return typ.Create(nil)
		}
		return typ.Create(args[0])
	case "apply":
		return typ.Apply(args[0], args[1])
	case "compose":
		return typ.Compose(args[0], args[1])
	case "transform":
		side, err := parseSide(args[2])
		if err != nil {
			return nil, err
		}
		return typ.Transform(args[0], args[1], side)
	case "transformX":
		l, r, err := typ.TransformX(args[0], args[1])
		return []any{l, r}, err
	case "normalize":
		return typ.Normalize(args[0])
	case "invert":
		return typ.Invert(args[0])
	case "checkValidOp":
		return nil, typ.CheckValidOp(args[0])
	case "shatter":
		return typ.Shatter(args[0])
	}
	return nil, errors.New("unknown json0 function " + fn)
}

func parseSide(v any) (ot.Side, error) {
	switch v {
	case "left":
		return ot.Left, nil
	case "right":
		return ot.Right, nil
	}
	return ot.Side(99), nil // Transform reports the reference's error
}

func callText0(fn string, args []any) (any, error) {
	typ := NewText0()
	switch fn {
	case "create":
		if len(args) == 0 {
			return typ.Create(nil)
		}
		return typ.Create(args[0])
	case "apply":
		return typ.Apply(args[0], args[1])
	case "compose":
		return typ.Compose(args[0], args[1])
	case "transform":
		side, err := parseSide(args[2])
		if err != nil {
			return nil, err
		}
		return typ.Transform(args[0], args[1], side)
	case "transformX":
		l, r, err := typ.TransformX(args[0], args[1])
		return []any{l, r}, err
	case "transformCursor":
		side := ""
		if len(args) > 2 {
			side, _ = args[2].(string)
		}
		return typ.TransformCursor(args[0], args[1], side)
	case "normalize":
		return typ.Normalize(args[0])
	case "invert":
		return typ.Invert(args[0])
	}
	return nil, errors.New("unknown text0 function " + fn)
}

func TestUpstreamJSON0(t *testing.T) {
	typ := NewWithSubtypes(mockSubtype{})
	for _, c := range loadUpstream(t, "testdata/upstream_json0.json") {
		got, err := callJSON0(typ, c.Fn, cloneJSON(c.Args).([]any))
		if ok, d := oracle.Same(oracle.Result{OK: true, Value: c.Want}, got, err, true); !ok {
			t.Errorf("json0.coffee:%d %s%s: %s", c.Line, c.Fn, mustJSON(c.Args), d)
		}
	}
}

func TestUpstreamText0(t *testing.T) {
	for _, c := range loadUpstream(t, "testdata/upstream_text0.json") {
		got, err := callText0(c.Fn, cloneJSON(c.Args).([]any))
		if ok, d := oracle.Same(oracle.Result{OK: true, Value: c.Want}, got, err, true); !ok {
			t.Errorf("text0.coffee:%d %s%s: %s", c.Line, c.Fn, mustJSON(c.Args), d)
		}
	}
}

// TestUpstreamNumberConvergence is json0.coffee's "doesn't overwrite values
// when it merges na in append".
func TestUpstreamNumberConvergence(t *testing.T) {
	typ := New()
	rightOp := mustDecode(t, `[{"p":[],"od":0,"oi":15},{"p":[],"na":4},{"p":[],"na":1},{"p":[],"na":1}]`)
	leftOp := mustDecode(t, `[{"p":[],"na":4},{"p":[],"na":-1}]`)
	right2, err := typ.Transform(rightOp, leftOp, ot.Left)
	if err != nil {
		t.Fatal(err)
	}
	left2, err := typ.Transform(leftOp, rightOp, ot.Right)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := typ.Apply(21.0, left2)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := typ.Apply(3.0, right2)
	if err != nil {
		t.Fatal(err)
	}
	if mustJSON(sc) != mustJSON(cs) {
		t.Errorf("diverged: %s vs %s", mustJSON(sc), mustJSON(cs))
	}
}

// TestComposeLeavesInput is json0.coffee's "doesn't change the original
// object".
func TestComposeLeavesInput(t *testing.T) {
	a := mustDecode(t, `[{"p":[0],"ld":"abc","li":null}]`)
	if _, err := New().Compose(a, mustDecode(t, `[{"p":[0],"ld":null}]`)); err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(a); got != `[{"ld":"abc","li":null,"p":[0]}]` {
		t.Errorf("input changed to %s", got)
	}
	// The result must not share components or paths with the inputs.
	a = mustDecode(t, `[{"p":["x"],"oi":1},{"p":["s",0],"si":"a"}]`)
	out, err := New().Compose(a, mustDecode(t, `[{"p":["y"],"oi":2}]`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out.([]any) {
		m := c.(map[string]any)
		m["p"].([]any)[0] = "changed"
		m["oi"] = "changed"
	}
	if got := mustJSON(a); got != `[{"oi":1,"p":["x"]},{"p":["s",0],"si":"a"}]` {
		t.Errorf("changing the result changed the input to %s", got)
	}
}

func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := ot.Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustJSON(v any) string {
	b, err := oracle.Canonical(v)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}
