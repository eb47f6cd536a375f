package json0

import (
	"errors"
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// TestValidateRejects is the malformed corpus: every op must be refused by
// Validate with ot.ErrInvalidOp and a message naming the problem, and no
// function may panic on it.
func TestValidateRejects(t *testing.T) {
	const doc = `{"s":"a😀b","n":5,"l":["x","y","z"],"o":{"k":null},"e":""}`
	cases := []struct{ name, doc, op, msg string }{
		{"op not array", doc, `{"p":[],"oi":1}`, "array of components"},
		{"component not object", doc, `[5]`, "must be an object"},
		{"component null", doc, `[null]`, "must be an object"},
		{"missing p", doc, `[{"oi":1}]`, "missing path"},
		{"p not array", doc, `[{"p":"s","oi":1}]`, "must be an array"},
		{"p element bool", doc, `[{"p":[true],"oi":1}]`, "non-negative integer or a string"},
		{"p element null", doc, `[{"p":[null],"oi":1}]`, "non-negative integer or a string"},
		{"negative index", doc, `[{"p":["l",-1],"li":1}]`, "non-negative integer"},
		{"fractional index", doc, `[{"p":["l",0.5],"li":1}]`, "non-negative integer"},
		{"unknown key", doc, `[{"p":["x"],"oi":1,"x":2}]`, "unknown key"},
		{"no instruction", doc, `[{"p":["x"]}]`, "exactly one instruction"},
		{"two instructions", doc, `[{"p":["n"],"na":1,"oi":5}]`, "exactly one instruction"},
		{"si and sd", doc, `[{"p":["s",0],"si":"a","sd":"a"}]`, "exactly one instruction"},
		{"li and oi", doc, `[{"p":["l",0],"li":1,"oi":1}]`, "exactly one instruction"},
		{"t without o", doc, `[{"p":["s"],"t":"text0"}]`, "exactly one instruction"},
		{"proto key", doc, `[{"p":["__proto__"],"oi":1}]`, "reserved property"},
		{"constructor key", doc, `[{"p":["o","constructor"],"oi":1}]`, "reserved property"},
		{"hasOwnProperty key", doc, `[{"p":["hasOwnProperty"],"od":1}]`, "reserved property"},
		{"path through missing key", doc, `[{"p":["nope","x"],"oi":1}]`, "does not exist"},
		{"path through number", doc, `[{"p":["n","x","y"],"oi":1}]`, "through a number"},
		{"number key into object", doc, `[{"p":[1],"oi":1}]`, "number 1 used as a key"},
		{"non-canonical string index into list", doc, `[{"p":["l","01"],"ld":"y"}]`, "is not a list index"},
		{"li past end", doc, `[{"p":["l",4],"li":1}]`, "out of range"},
		{"ld past end", doc, `[{"p":["l",3],"ld":"z"}]`, "out of range"},
		{"ld mismatch", doc, `[{"p":["l",0],"ld":"y"}]`, "ld does not match"},
		{"replace mismatch", doc, `[{"p":["l",0],"ld":"q","li":1}]`, "ld does not match"},
		{"li into object", doc, `[{"p":["o",0],"li":1}]`, "needs a list"},
		{"root li", doc, `[{"p":[],"li":1}]`, "needs a list index"},
		{"lm target past end", doc, `[{"p":["l",0],"lm":3}]`, "lm target"},
		{"lm target fractional", doc, `[{"p":["l",0],"lm":1.5}]`, "lm target"},
		{"lm target non-numeric string", doc, `[{"p":["l",0],"lm":"one"}]`, "lm target"},
		{"oi into list", doc, `[{"p":["l","k"],"oi":1}]`, "needs an object"},
		{"od mismatch", doc, `[{"p":["o","k"],"od":0}]`, "od does not match"},
		{"od of absent key", doc, `[{"p":["o","q"],"od":null}]`, "does not exist"},
		{"root od mismatch", doc, `[{"p":[],"od":{}}]`, "od does not match"},
		{"na string", doc, `[{"p":["n"],"na":"x"}]`, "finite number"},
		{"na on string", doc, `[{"p":["s"],"na":1}]`, "not a number"},
		{"na overflow", `{"n":1.7e308}`, `[{"p":["n"],"na":1.7e308}]`, "overflows"},
		{"si empty", doc, `[{"p":["s",0],"si":""}]`, "empty insert"},
		{"sd empty", doc, `[{"p":["s",0],"sd":""}]`, "empty delete"},
		{"si number", doc, `[{"p":["s",0],"si":5}]`, "exactly one of i and d"},
		{"si into number", doc, `[{"p":["n",0],"si":"x"}]`, "string edit into a number"},
		{"si into list", doc, `[{"p":["l",0],"si":"x"}]`, "string edit into a list"},
		{"si string offset", doc, `[{"p":["s","0"],"si":"x"}]`, "offset must be a number"},
		{"si past end", doc, `[{"p":["s",5],"si":"x"}]`, "past the end"},
		{"si splits pair", doc, `[{"p":["s",2],"si":"x"}]`, "splits a surrogate pair"},
		{"sd splits pair", doc, `[{"p":["s",2],"sd":"b"}]`, "splits a surrogate pair"},
		{"sd mismatch", doc, `[{"p":["s",0],"sd":"b"}]`, "does not match"},
		{"sd past end", doc, `[{"p":["s",3],"sd":"bc"}]`, "does not match"},
		{"sd ends mid pair", `{"s":"😀😀"}`, `[{"p":["s",0],"sd":"😀"},{"p":["s",0],"sd":"x"}]`, "does not match"},
		{"root si", `"ab"`, `[{"p":[],"si":"x"}]`, "string offset"},
		{"t unknown", doc, `[{"p":["s"],"t":"rich-text","o":[]}]`, "unknown subtype"},
		{"t number", doc, `[{"p":["s"],"t":5,"o":[]}]`, "unknown subtype"},
		{"o not array", doc, `[{"p":["s"],"t":"text0","o":{"p":0,"i":"x"}}]`, "o must be an array"},
		{"text0 on number", doc, `[{"p":["n"],"t":"text0","o":[]}]`, "text0 edit of a number"},
		{"text0 negative", doc, `[{"p":["s"],"t":"text0","o":[{"p":-1,"i":"x"}]}]`, "non-negative integer"},
		{"text0 fractional", doc, `[{"p":["s"],"t":"text0","o":[{"p":0.5,"i":"x"}]}]`, "non-negative integer"},
		{"text0 missing p", doc, `[{"p":["s"],"t":"text0","o":[{"i":"x"}]}]`, "non-negative integer"},
		{"text0 both", doc, `[{"p":["s"],"t":"text0","o":[{"p":0,"i":"x","d":"a"}]}]`, "exactly one of i and d"},
		{"text0 neither", doc, `[{"p":["s"],"t":"text0","o":[{"p":0}]}]`, "exactly one of i and d"},
		{"text0 unknown key", doc, `[{"p":["s"],"t":"text0","o":[{"p":0,"i":"x","q":1}]}]`, "unknown text0 key"},
		{"text0 empty insert", doc, `[{"p":["s"],"t":"text0","o":[{"p":0,"i":""}]}]`, "empty insert"},
		{"text0 splits pair", doc, `[{"p":["s"],"t":"text0","o":[{"p":2,"i":"x"}]}]`, "splits a surrogate pair"},
		{"text0 delete past end", doc, `[{"p":["s"],"t":"text0","o":[{"p":3,"d":"bq"}]}]`, "does not match"},
		{"text0 component not object", doc, `[{"p":["s"],"t":"text0","o":["x"]}]`, "must be an object"},
		{"second component stale", doc, `[{"p":["o","k"],"od":null},{"p":["o","k"],"od":null}]`, "component 1"},
		{"second component past new end", doc, `[{"p":["l",0],"ld":"x"},{"p":["l",2],"ld":"z"}]`, "component 1"},
	}
	typ := New()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, op := mustDecode(t, c.doc), mustDecode(t, c.op)
			err := typ.Validate(d, op)
			if !errors.Is(err, ot.ErrInvalidOp) {
				t.Fatalf("Validate = %v, want ErrInvalidOp", err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Validate = %q, want it to mention %q", err, c.msg)
			}
			before := jsonString(d)
			callEverything(typ, NewText0(), d, op, op)
			if after := jsonString(d); after != before {
				t.Errorf("document changed from %s to %s", before, after)
			}
		})
	}
}

// TestValidateAccepts checks ops Validate must let through, each applying
// cleanly, and that Validate leaves the snapshot alone.
func TestValidateAccepts(t *testing.T) {
	const doc = `{"s":"a😀b","n":5,"l":["x","y","z"],"o":{"k":null}}`
	ops := []string{
		`[]`,
		`[{"p":["s",1],"si":"👩‍💻"},{"p":["s",0],"sd":"a👩‍💻"}]`,
		`[{"p":["s",3],"sd":"b"},{"p":["s"],"t":"text0","o":[{"p":0,"d":"a😀"},{"p":0,"i":"é"}]}]`,
		`[{"p":["l",3],"li":{"a":[1]}},{"p":["l",3,"a",0],"na":2},{"p":["l",0],"lm":3}]`,
		`[{"p":["o","k"],"od":null,"oi":{"x":1}},{"p":["o","k","x"],"od":1}]`,
		`[{"p":["o","k"],"oi":2}]`,
		`[{"p":[],"od":{"s":"a😀b","n":5,"l":["x","y","z"],"o":{"k":null}},"oi":[]},{"p":[0],"li":"q"}]`,
		`[{"p":["l",1],"ld":"y","li":"Y"},{"p":["l",1],"ld":"Y"}]`,
	}
	typ := New()
	for _, s := range ops {
		d, op := mustDecode(t, doc), mustDecode(t, s)
		if err := typ.Validate(d, op); err != nil {
			t.Errorf("Validate(%s) = %v", s, err)
			continue
		}
		if jsonString(d) != jsonString(mustDecode(t, doc)) {
			t.Errorf("Validate(%s) changed the snapshot to %s", s, jsonString(d))
		}
		if _, err := typ.Apply(d, op); err != nil {
			t.Errorf("Apply(%s) after Validate = %v", s, err)
		}
	}
}

// TestApplyRollsBack checks that a failing Apply leaves the snapshot as it
// was, even after earlier components changed it in place.
func TestApplyRollsBack(t *testing.T) {
	const doc = `{"a":{"b":[1,2,3]},"s":"xy","n":1}`
	d := mustDecode(t, doc)
	op := mustDecode(t, `[{"p":["a","b",0],"ld":1},{"p":["a","b",0],"na":5},{"p":["s"],"t":"text0","o":[{"p":0,"i":"q"}]},{"p":["a","c"],"oi":1},{"p":["n"],"na":1},{"p":["missing","x"],"oi":1}]`)
	if _, err := New().Apply(d, op); err == nil {
		t.Fatal("Apply succeeded, want an error")
	}
	if got := jsonString(d); got != jsonString(mustDecode(t, doc)) {
		t.Errorf("snapshot changed to %s", got)
	}
}

// TestApplyCopiesInserts checks that a value inserted from an op does not
// alias the op.
func TestApplyCopiesInserts(t *testing.T) {
	op := mustDecode(t, `[{"p":["x"],"oi":{"list":[1]}}]`)
	got, err := New().Apply(map[string]any{}, op)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New().Apply(got, mustDecode(t, `[{"p":["x","list",0],"li":0}]`)); err != nil {
		t.Fatal(err)
	}
	if s := jsonString(op); s != `[{"oi":{"list":[1]},"p":["x"]}]` {
		t.Errorf("op changed to %s", s)
	}
}
