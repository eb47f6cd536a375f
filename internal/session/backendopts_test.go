package session

import (
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/json0"
)

func TestMemoryQueryDialect(t *testing.T) {
	js := json0.New()
	mk := func(id, data string) *row {
		tree, _ := ot.Decode([]byte(data))
		m, _ := tree.(map[string]any)
		return &row{id: id, typ: js, data: []byte(data), tree: m}
	}
	rows := []*row{mk("a", `{"age":3,"name":"x"}`), mk("b", `{"age":1,"name":"y"}`), mk("c", `{"age":2,"tags":[1]}`),
		{id: "gone"}}
	q, se := parseMemoryQuery(map[string]any{"filter": map[string]any{"name": "x"}})
	if se != nil {
		t.Fatal(se)
	}
	var got []string
	for _, r := range rows {
		if q.matches(r) {
			got = append(got, r.id)
		}
	}
	if strings.Join(got, ",") != "a" {
		t.Errorf("filter name=x matched %v", got)
	}
	all, _ := parseMemoryQuery(map[string]any{})
	if all.matches(rows[3]) || !all.matches(rows[2]) {
		t.Error("no filter must match created documents only")
	}
	arr, _ := parseMemoryQuery(map[string]any{"filter": map[string]any{"tags": []any{1.0}}})
	if arr.matches(rows[2]) {
		t.Error("an array filter value matched (strict equality never holds for arrays)")
	}
	if _, se := parseMemoryQuery(map[string]any{"filter": map[string]any{"a.b": 1.0}}); se == nil {
		t.Error("dotted filter key accepted")
	}
	if _, se := parseMemoryQuery(map[string]any{"sort": map[string]any{"age": 1.0}}); se == nil {
		t.Error("non-array sort accepted")
	}
	s, _ := parseMemoryQuery(map[string]any{"sort": []any{[]any{"age", -1.0}}})
	sorted := []*row{rows[0], rows[1], rows[2]}
	if se := s.mem.order(sorted); se != nil {
		t.Fatal(se)
	}
	if ids := sorted[0].id + sorted[1].id + sorted[2].id; ids != "acb" {
		t.Errorf("sort age desc = %s, want acb", ids)
	}
	byName, _ := parseMemoryQuery(map[string]any{"sort": []any{[]any{"name", 1.0}}})
	if se := byName.mem.order([]*row{rows[0], rows[2]}); se == nil {
		t.Error("sorting a string against a missing value must fail, as in ShareDB")
	}
}

func TestKeepOrder(t *testing.T) {
	rows := []*row{{id: "a"}, {id: "b"}, {id: "c"}}
	out := keepOrder([]string{"c", "x", "a"}, rows)
	var ids string
	for _, r := range out {
		ids += r.id
	}
	if ids != "cab" {
		t.Errorf("keepOrder = %s, want cab (old order, then new)", ids)
	}
}

func TestProjection(t *testing.T) {
	p := &projection{name: "dogs_summary", target: "dogs", fields: map[string]bool{"age": true, "owner": true}}
	edit := []any{
		map[string]any{"p": []any{"age"}, "na": 1.0},
		map[string]any{"p": []any{"color"}, "oi": "brown"},
		map[string]any{"p": []any{}, "oi": map[string]any{"age": 2.0, "color": "x"}, "od": "str"},
	}
	b, _ := ot.Marshal(p.projectEdit(edit))
	if want := `[{"na":1,"p":["age"]},{"od":null,"oi":{"age":2},"p":[]}]`; string(b) != want {
		t.Errorf("projectEdit = %s, want %s", b, want)
	}
	js := json0.New()
	for _, c := range []struct {
		op   ot.Op
		want bool
	}{
		{ot.Op{Edit: []any{map[string]any{"p": []any{"owner", "name"}, "oi": "x"}}}, true},
		{ot.Op{Edit: []any{map[string]any{"p": []any{"color"}, "oi": "x"}}}, false},
		{ot.Op{Edit: []any{map[string]any{"p": []any{}, "oi": map[string]any{}}}}, false},
		{ot.Op{Del: true}, true},
		{ot.Op{Create: &ot.Create{Type: json0URI, Data: map[string]any{"age": 1.0}}}, true},
		{ot.Op{Create: &ot.Create{Type: json0URI, Data: map[string]any{"color": 1.0}}}, false},
	} {
		if got := p.opAllowed(js, &c.op); got != c.want {
			t.Errorf("opAllowed(%+v) = %v, want %v", c.op, got, c.want)
		}
	}
	set, err := newProjectionSet([]Projection{{Name: "a", Target: "dogs"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := set.add(Projection{Name: "a", Target: "cats"}); err == nil {
		t.Error("duplicate projection name accepted")
	}
	if set.lookup("a") == nil || set.lookup("dogs") != nil {
		t.Error("lookup must find projections only")
	}
}

func TestCheckSubmittedJSON0(t *testing.T) {
	d := &document{typ: json0.New()}
	for _, c := range []struct {
		edit any
		msg  string
	}{
		{map[string]any{"0": map[string]any{"p": []any{"a"}}}, "json0 op must be an array"},
		{[]any{nil}, "Missing path"},
		{[]any{map[string]any{"p": []any{"foo", "constructor"}, "oi": 1.0}}, "Invalid path segment"},
		{[]any{map[string]any{"p": []any{[]any{"__proto__"}}, "oi": 1.0}}, "Invalid path segment"},
		{[]any{map[string]any{"p": []any{"foo"}, "oi": 1.0}}, ""},
	} {
		se := d.checkSubmittedJSON0(&ot.Op{Edit: c.edit})
		got := ""
		if se != nil {
			got = se.Message
		}
		if got != c.msg {
			t.Errorf("check(%v) = %q, want %q", c.edit, got, c.msg)
		}
	}
}
