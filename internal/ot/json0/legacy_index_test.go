package json0

import (
	"testing"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// legacyIndexOps are ops that index lists with numeric strings, as old
// clients sent them and ShareDB's own tests still submit. ot-json0 1.1.0
// applies them (JavaScript coerces the string); Weft accepts exactly the
// canonical decimal strings.
var legacyIndexSteps = []struct {
	op   string
	want string
}{
	{`[{"p":["0","title"],"od":"Golden Compass","oi":"Northern Lights"}]`, `[{"title":"Northern Lights"}]`},
	{`[{"p":["1"],"li":{"title":"Subtle Knife"}}]`, `[{"title":"Northern Lights"},{"title":"Subtle Knife"}]`},
	{`[{"p":["1"],"lm":"0"}]`, `[{"title":"Subtle Knife"},{"title":"Northern Lights"}]`},
	{`[{"p":["0","title"],"od":"Subtle Knife","oi":""},{"p":["0","title",0],"si":"The "}]`, `[{"title":"The "},{"title":"Northern Lights"}]`},
}

func TestLegacyStringListIndexes(t *testing.T) {
	typ := New()
	doc, err := typ.Create(mustDecode(t, `[{"title":"Golden Compass"}]`))
	if err != nil {
		t.Fatal(err)
	}
	var calls []oracle.Call
	for _, s := range legacyIndexSteps {
		op := mustDecode(t, s.op)
		if err := typ.Validate(doc, op); err != nil {
			t.Fatalf("Validate(%s) = %v, want accepted", s.op, err)
		}
		snap, _ := ot.Marshal(doc)
		calls = append(calls, oracle.Call{Type: "json0", Fn: "apply", Args: []any{mustDecode(t, string(snap)), op}})
		if doc, err = typ.Apply(doc, op); err != nil {
			t.Fatalf("Apply(%s) = %v", s.op, err)
		}
		if got, _ := ot.Marshal(doc); string(got) != s.want {
			t.Fatalf("after %s: %s, want %s", s.op, got, s.want)
		}
	}
	for _, bad := range []string{
		`[{"p":["01"],"li":1}]`, `[{"p":["-1"],"li":1}]`, `[{"p":["1.0"],"li":1}]`, `[{"p":[" 1"],"li":1}]`,
		`[{"p":["9"],"ld":1}]`, `[{"p":["0"],"lm":"01"}]`, `[{"p":["0"],"lm":"x"}]`,
	} {
		if err := typ.Validate(doc, mustDecode(t, bad)); err == nil {
			t.Errorf("Validate(%s) accepted a malformed list index", bad)
		}
	}
	if testing.Short() {
		return
	}
	o := oracle.Start(t)
	for i, r := range o.Run(calls) {
		if ok, d := oracle.Same(r, mustDecode(t, legacyIndexSteps[i].want), nil, true); !ok {
			t.Errorf("reference disagrees on %s: %s", legacyIndexSteps[i].op, d)
		}
	}
}
