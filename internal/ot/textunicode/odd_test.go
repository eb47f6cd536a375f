package textunicode

import (
	"os"
	"testing"

	"github.com/weftdev/weft/internal/oracle"
)

// oddCalls are inputs the reference's checkOp lets through (or that only
// its unchecked functions see): booleans, fractional and negative lengths,
// extra keys, deletes past the end. The core must match the reference on
// them too, error messages included.
var oddCalls = []struct{ fn, args string }{
	{"normalize", `[[true,true,"a"]]`},
	{"normalize", `[[true,1,true]]`},
	{"normalize", `[[false,0,"",{"d":0},{"d":""}]]`},
	{"normalize", `[[{"d":1,"x":2},{"d":"ab"},"c"]]`},
	{"normalize", `[[{"d":"ab","k":1},{"d":"c"}]]`},
	{"normalize", `[[-1,2.5,"a",-3]]`},
	{"normalize", `[[{"d":-1},{"d":2}]]`},
	{"apply", `["abc",[1.5,"x"]]`},
	{"apply", `["abc",[0.2,"x"]]`},
	{"apply", `["a😀c",[2.5,{"d":0.1}]]`},
	{"apply", `["abc",[true,1,false,"x"]]`},
	{"apply", `["abc",[{"d":1,"x":1},"y"]]`},
	{"apply", `["abc",[{"d":1.5}]]`},
	{"apply", `["abc",[3.5,"x"]]`},
	{"transform", `[[1.5,"x"],[2,"y"],"left"]`},
	{"transform", `[[{"d":2.5}],[1,"y"],"right"]`},
	{"transform", `[[{"d":"a😀c"}],[0.5,"y"],"left"]`},
	{"transform", `[["x"],[true,"y"],"left"]`},
	{"transform", `[[true],["y"],"left"]`},
	{"transform", `[[{"d":1,"x":1}],[1,"y"],"left"]`},
	{"transform", `[["x"],["y"],"up"]`},
	{"transform", `[["x"],["y"],null]`},
	{"transform", `[[1],["y"],"left"]`},
	{"transform", `[["x"],[0,"y"],"left"]`},
	{"compose", `[[1.5,"x"],[1,{"d":1.5}]]`},
	{"compose", `[["abc"],[true,1,{"d":1}]]`},
	{"compose", `[[false,"a"],["b"]]`},
	{"compose", `[[{"d":"ab","x":1}],["c"]]`},
	{"compose", `[[2,{"d":"xy"}],[1,{"d":"bc"},"Z"]]`},
	{"compose", `[[],[{"d":"abc"}]]`},
	{"transformPosition", `[5,[-1,"x",{"d":2}]]`},
	{"transformPosition", `[2.5,[1,"x"]]`},
	{"transformPosition", `[3,[1.5,{"d":1}]]`},
	{"transformPosition", `[3,[true,1,"x"]]`},
	{"transformSelection", `[[1,5,9],[2,"xy",{"d":3}]]`},
	{"transformSelection", `[[],[2,"xy"]]`},
	{"invert", `[[1,"ab",true,{"d":"c"},{"d":"d"}]]`},
	{"invert", `[["a",{"d":2}]]`},
	{"makeInvertible", `[[5,{"d":3}],"abc"]`},
	{"makeInvertible", `[[1,{"d":10},"x"],"a😀bc"]`},
	{"makeInvertible", `[[{"d":1,"k":1},{"d":"z","k":2}],"abc"]`},
	{"makeInvertible", `[[1.5,{"d":1.5}],"abcd"]`},
	{"invertWithDoc", `[[1,{"d":2},true,"x"],"a😀bc"]`},
	{"stripInvertible", `[[{"d":"ab","k":1},{"d":2,"k":2},true]]`},
	{"isInvertible", `[[true,{"d":"a"}]]`},
	{"isNoop", `[[true]]`},
	{"checkOp", `[[1,{"d":1},2,{"d":1},1]]`},
	{"checkOp", `[[{"d":-1}]]`},
	{"checkOp", `[[{"x":1}]]`},
	{"checkOp", `[[true,false,1.5,"x"]]`},
	{"checkOp", `[{}]`},
	{"create", `[null]`},
	{"create", `[[]]`},
	{"create", `[]`},
	{"apply", `[5,["x"]]`},
	{"apply", `[null,["x"]]`},
	{"apply", `[["a"],["x"]]`},
}

// TestOddInputs compares the core with the reference on oddCalls.
func TestOddInputs(t *testing.T) {
	o := oracle.Start(t)
	calls := make([]oracle.Call, len(oddCalls))
	for i, c := range oddCalls {
		args, _ := js(t, c.args).([]any)
		calls[i] = oracle.Call{Type: "text-unicode", Fn: c.fn, Args: args}
	}
	rec := oracle.NewRecorder(regressionsPath)
	// WEFT_RECORD_FIXTURES=1 rewrites testdata/fixtures.jsonl with the
	// reference's answers, which TestRegressions replays without Node.
	var fixtures *oracle.Recorder
	if os.Getenv("WEFT_RECORD_FIXTURES") != "" {
		_ = os.Remove(fixturesPath)
		fixtures = oracle.NewRecorder(fixturesPath)
	}
	for i, res := range o.Run(calls) {
		if fixtures != nil {
			if err := fixtures.Record(oracle.Case{Call: calls[i], Want: res, Note: "odd input fixture"}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := callGo(calls[i].Fn, calls[i].Args)
		if ok, detail := oracle.Same(res, got, err, true); !ok {
			t.Errorf("%s%s: %s", oddCalls[i].fn, oddCalls[i].args, detail)
			_ = rec.Record(oracle.Case{Call: calls[i], Want: res, Note: "odd inputs"})
		}
	}
}
