package json0

import (
	"testing"

	"github.com/weftdev/weft/internal/oracle"
)

// quirkOps are ops the reference accepts with JavaScript's odd semantics,
// or rejects with its own messages; the core must match it on each.
var quirkOps = []struct{ doc, op string }{
	{`{"1":"a","l":["q","r"]}`, `[{"p":[1],"oi":"b"}]`},
	{`{"l":["q","r"]}`, `[{"p":["l","1"],"ld":"r"}]`},
	{`{"l":["q","r"]}`, `[{"p":["l",-1],"li":"x"}]`},
	{`{"l":["q","r"]}`, `[{"p":["l",9],"li":"x"}]`},
	{`{"l":["q","r"]}`, `[{"p":["l",0],"lm":5}]`},
	{`{"l":["q","r"]}`, `[{"p":["l","x"],"lm":1}]`},
	{`{"n":1}`, `[{"p":["n"],"na":"x"}]`},
	{`{"n":1}`, `[{"p":["n"],"na":null}]`},
	{`{"n":1}`, `[{"p":["n"],"na":[2,3]}]`},
	{`{"n":1.7e308}`, `[{"p":["n"],"na":1.7e308}]`},
	{`{"l":["q","r"]}`, `[{"p":["l",1],"si":"X"}]`},
	{`{"l":["q",null,["r",1]]}`, `[{"p":["l"],"t":"text0","o":[{"p":2,"i":"X"}]}]`},
	{`{"l":["q","r"]}`, `[{"p":["l"],"t":"text0","o":[{"p":0,"d":"q"}]}]`},
	{`{"s":"abc"}`, `[{"p":["s",0,1],"si":"x"}]`},
	{`{"s":"abc"}`, `[{"p":["s",0],"t":"text0","o":[{"p":0,"d":"zz"}]}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"text0","o":[{"p":1.7,"i":"x"}]}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"text0","o":[{"p":10,"i":"x"}]}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"text0","o":[{"p":1,"i":5,"d":"b"}]}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"text0","o":[{"p":-1,"i":"x"}]}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"text0","o":[{"i":"x"}]}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"text0","o":[{"p":0}]}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"nope","o":[]}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"na":1,"oi":5}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"na":1}]`},
	{`{"s":"abc"}`, `[{"p":["s","x"],"oi":1}]`},
	{`{"s":"abc"}`, `[{"p":["q","x"],"oi":1}]`},
	{`{"s":"abc"}`, `[{"p":["s"]}]`},
	{`{"s":"abc"}`, `[{"oi":1}]`},
	{`{"s":"abc"}`, `[5]`},
	{`{"s":"abc"}`, `[{"p":[],"od":null}]`},
	{`{"s":"abc"}`, `[{"p":[],"od":null},{"p":[],"oi":3}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"li":1}]`},
	{`{"o":{"k":[1,{"b":2,"a":1}]}}`, `[{"p":["o","k","x"],"oi":1}]`},
	{`{"s":"abc"}`, `[{"p":["s",1],"si":"x","sd":"b"}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"od":"abc","oi":"x"},{"p":["s",0],"sd":"x"},{"p":["s",0],"sd":"x"}]`},
	{`{"a":[["hi"]]}`, `[{"p":["a","1",0],"si":"hi"}]`},
	{`{"a":[1,2,3]}`, `[{"p":["a",1],"lm":0}]`},
	{`{"a":[1,2,3]}`, `[{"p":["a","1"],"lm":"0"}]`},
	{`{"a":[1,2,3]}`, `[{"p":["a",0],"li":{"x":1}},{"p":["a",0],"ld":{"x":1}}]`},
	{`{"a":[1,2,3]}`, `[{"p":["a",0],"li":"x"},{"p":["a",0],"ld":"x"}]`},
	{`{"n":1}`, `[{"p":["n"],"na":"2"},{"p":["n"],"na":3}]`},
	{`{"o":{}}`, `[{"p":["o","k"],"oi":{"a":1}},{"p":["o","k"],"od":{"b":2}}]`},
	{`{"o":{"k":1}}`, `[{"p":["o","k"],"od":1},{"p":["o","k"],"oi":null}]`},
	{`{"s":"abc"}`, `[{"p":["s",1],"si":"x"},{"p":["s",2],"si":"y"},{"p":["s",0],"sd":"a"}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"text0","o":[{"p":0,"i":"x"}]},{"p":["s"],"t":"text0","o":[{"p":1,"d":"a"}]}]`},
	{`{"s":"abc"}`, `[{"p":["s",0],"si":"q"}]`},
	{`{"s":"abc"}`, `[{"p":["s"],"t":"text0","o":[{"p":0,"i":"z"}]}]`},
	{`[1,2]`, `[{"p":[0],"lm":1},{"p":[1],"lm":1}]`},
	{`[1,2]`, `[{"p":[],"na":2}]`},
	{`{"x":[0,1,2,3,4,5]}`, `[{"p":["x",2],"lm":4},{"p":["x",4],"lm":0}]`},
	{`{"x":[0,1,2,3,4,5]}`, `[{"p":["x",3],"lm":1},{"p":["x",1],"ld":3,"li":9}]`},
}

// TestQuirksAgainstOracle runs the quirk ops, and transforms and
// compositions of them, through both implementations.
func TestQuirksAgainstOracle(t *testing.T) {
	o := oracle.Start(t)
	typ := New()
	var calls []oracle.Call
	var got []any
	var errs []error
	add := func(fn string, args ...any) {
		v, err := callJSON0(typ, fn, cloneJSON(args).([]any))
		calls = append(calls, oracle.Call{Type: "json0", Fn: fn, Args: args})
		got = append(got, v)
		errs = append(errs, err)
	}
	for i, q := range quirkOps {
		doc, op := mustDecode(t, q.doc), mustDecode(t, q.op)
		other := mustDecode(t, quirkOps[(i+1)%len(quirkOps)].op)
		add("apply", doc, op)
		add("transform", op, other, "left")
		add("transform", other, op, "right")
		add("transformX", op, other)
		add("compose", op, other)
		add("normalize", op)
		add("invert", op)
		add("checkValidOp", op)
	}
	rec := oracle.NewRecorder("testdata/regressions.jsonl")
	for i, res := range o.Run(calls) {
		if ok, d := oracle.Same(res, got[i], errs[i], true); !ok {
			t.Errorf("%s%s: %s", calls[i].Fn, mustJSON(calls[i].Args), d)
			if err := rec.Record(oracle.Case{Call: calls[i], Want: res, Note: "quirk corpus"}); err != nil {
				t.Error(err)
			}
		}
	}
}
