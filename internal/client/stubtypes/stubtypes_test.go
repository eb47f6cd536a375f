package stubtypes

import (
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

func TestNumber(t *testing.T) {
	n := Number()
	for _, c := range []struct {
		in   any
		want float64
	}{{7.9, 7}, {-2.5, -2}, {4294967301.0, 5}, {"x", 0}, {nil, 0}} {
		got, err := n.Create(c.in)
		if err != nil || got != c.want {
			t.Errorf("Create(%v) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if got, err := n.Apply(3.0, 4.0); err != nil || got != 7.0 {
		t.Errorf("Apply = %v, %v", got, err)
	}
	if got, err := n.Compose(3.0, 4.0); err != nil || got != 7.0 {
		t.Errorf("Compose = %v, %v", got, err)
	}
	if _, err := n.Apply(3.0, "x"); err == nil {
		t.Error("Apply of a string op succeeded")
	}
}

func TestJSON0Lite(t *testing.T) {
	j := JSON0Lite()
	doc, _ := ot.Decode([]byte(`{"n":1,"list":["a","c"],"o":{}}`))
	op, _ := ot.Decode([]byte(`[{"p":["n"],"na":2},{"p":["list",1],"li":"b"},{"p":["list",0],"ld":"a"},{"p":["o","k"],"oi":true},{"p":["list",0],"ld":"b","li":"B"}]`))
	got, err := j.Apply(doc, op)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ot.Marshal(got)
	if string(b) != `{"list":["B","c"],"n":3,"o":{"k":true}}` {
		t.Errorf("Apply = %s", b)
	}
	for _, bad := range []string{`{}`, `[{"p":["x",9],"li":1}]`, `[{"p":["n"],"na":"s"}]`, `[{"p":[]}]`, `[1]`} {
		op, _ := ot.Decode([]byte(bad))
		doc, _ := ot.Decode([]byte(`{"n":1}`))
		if _, err := j.Apply(doc, op); err == nil {
			t.Errorf("Apply(%s) succeeded", bad)
		}
	}
	na, _ := ot.Decode([]byte(`[{"p":["n"],"na":1}]`))
	if got, err := j.Transform(na, na, ot.Left); err != nil || got == nil {
		t.Errorf("na transform: %v", err)
	}
	if _, err := j.Transform(op, na, ot.Left); err == nil {
		t.Error("transform of a non-na op succeeded")
	}
}
