package richtext

import (
	"testing"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// vectors are the reference's own test cases (quill-delta's compose,
// transform, transformPosition and invert suites, rich-text's presence
// suite) and the behaviours ot-types.md §4 records, as oracle calls with
// the expected JSON. quill-delta's a.transform(b, priority) is
// transform(b, a, priority ? "left" : "right") here.
var vectors = []struct{ name, fn, args, want string }{
	// compose
	{"insert+insert", "compose", `[[{"insert":"A"}],[{"insert":"B"}]]`, `{"ops":[{"insert":"BA"}]}`},
	{"insert+retain", "compose", `[[{"insert":"A"}],[{"retain":1,"attributes":{"bold":true,"color":"red","font":null}}]]`, `{"ops":[{"insert":"A","attributes":{"bold":true,"color":"red"}}]}`},
	{"insert+delete", "compose", `[[{"insert":"A"}],[{"delete":1}]]`, `{"ops":[]}`},
	{"delete+insert", "compose", `[[{"delete":1}],[{"insert":"B"}]]`, `{"ops":[{"insert":"B"},{"delete":1}]}`},
	{"delete+retain", "compose", `[[{"delete":1}],[{"retain":1,"attributes":{"bold":true,"color":"red"}}]]`, `{"ops":[{"delete":1},{"retain":1,"attributes":{"bold":true,"color":"red"}}]}`},
	{"delete+delete", "compose", `[[{"delete":1}],[{"delete":1}]]`, `{"ops":[{"delete":2}]}`},
	{"retain+insert", "compose", `[[{"retain":1,"attributes":{"color":"blue"}}],[{"insert":"B"}]]`, `{"ops":[{"insert":"B"},{"retain":1,"attributes":{"color":"blue"}}]}`},
	{"retain+retain keeps null", "compose", `[[{"retain":1,"attributes":{"color":"blue"}}],[{"retain":1,"attributes":{"bold":true,"color":"red","font":null}}]]`, `{"ops":[{"retain":1,"attributes":{"bold":true,"color":"red","font":null}}]}`},
	{"retain+delete", "compose", `[[{"retain":1,"attributes":{"color":"blue"}}],[{"delete":1}]]`, `{"ops":[{"delete":1}]}`},
	{"insert in middle of text", "compose", `[[{"insert":"Hello"}],[{"retain":3},{"insert":"X"}]]`, `{"ops":[{"insert":"HelXlo"}]}`},
	{"insert then delete", "compose", `[[{"insert":"Hello"}],[{"retain":3},{"insert":"X"},{"delete":1}]]`, `{"ops":[{"insert":"HelXo"}]}`},
	{"delete then insert", "compose", `[[{"insert":"Hello"}],[{"retain":3},{"delete":1},{"insert":"X"}]]`, `{"ops":[{"insert":"HelXo"}]}`},
	{"insert embed", "compose", `[[{"insert":{"embed":1},"attributes":{"src":"http://quilljs.com/image.png"}}],[{"retain":1,"attributes":{"alt":"logo"}}]]`, `{"ops":[{"insert":{"embed":1},"attributes":{"src":"http://quilljs.com/image.png","alt":"logo"}}]}`},
	{"delete entire text", "compose", `[[{"retain":4},{"insert":"Hello"}],[{"delete":9}]]`, `{"ops":[{"delete":4}]}`},
	{"retain more than length", "compose", `[[{"insert":"Hello"}],[{"retain":10}]]`, `{"ops":[{"insert":"Hello"}]}`},
	{"retain empty embed", "compose", `[[{"insert":{"embed":1}}],[{"retain":1}]]`, `{"ops":[{"insert":{"embed":1}}]}`},
	{"remove all attributes", "compose", `[[{"insert":"A","attributes":{"bold":true}}],[{"retain":1,"attributes":{"bold":null}}]]`, `{"ops":[{"insert":"A"}]}`},
	{"remove all embed attributes", "compose", `[[{"insert":{"embed":2},"attributes":{"bold":true}}],[{"retain":1,"attributes":{"bold":null}}]]`, `{"ops":[{"insert":{"embed":2}}]}`},
	{"immutability", "compose", `[[{"insert":"Test","attributes":{"bold":true}}],[{"retain":1,"attributes":{"color":"red"}},{"delete":2}]]`, `{"ops":[{"insert":"T","attributes":{"color":"red","bold":true}},{"insert":"t","attributes":{"bold":true}}]}`},
	{"retain start optimization", "compose", `[[{"insert":"A","attributes":{"bold":true}},{"insert":"B"},{"insert":"C","attributes":{"bold":true}},{"delete":1}],[{"retain":3},{"insert":"D"}]]`, `{"ops":[{"insert":"A","attributes":{"bold":true}},{"insert":"B"},{"insert":"C","attributes":{"bold":true}},{"insert":"D"},{"delete":1}]}`},
	{"retain start optimization split", "compose", `[[{"insert":"A","attributes":{"bold":true}},{"insert":"B"},{"insert":"C","attributes":{"bold":true}},{"retain":5},{"delete":1}],[{"retain":4},{"insert":"D"}]]`, `{"ops":[{"insert":"A","attributes":{"bold":true}},{"insert":"B"},{"insert":"C","attributes":{"bold":true}},{"retain":1},{"insert":"D"},{"retain":4},{"delete":1}]}`},
	{"retain end optimization", "compose", `[[{"insert":"A","attributes":{"bold":true}},{"insert":"B"},{"insert":"C","attributes":{"bold":true}}],[{"delete":1}]]`, `{"ops":[{"insert":"B"},{"insert":"C","attributes":{"bold":true}}]}`},
	{"retain end optimization join", "compose", `[[{"insert":"A","attributes":{"bold":true}},{"insert":"B"},{"insert":"C","attributes":{"bold":true}},{"insert":"D"},{"insert":"E","attributes":{"bold":true}},{"insert":"F"}],[{"retain":1},{"delete":1}]]`, `{"ops":[{"insert":"AC","attributes":{"bold":true}},{"insert":"D"},{"insert":"E","attributes":{"bold":true}},{"insert":"F"}]}`},
	// ot-types.md §4 (verified against the npm packages)
	{"apply keeps unmerged inserts", "apply", `[[{"insert":"ab"},{"insert":"c"}],[{"retain":3},{"insert":"d"}]]`, `{"ops":[{"insert":"ab"},{"insert":"cd"}]}`},
	{"compose formats first of split inserts", "compose", `[[{"insert":"a"},{"insert":"b"},{"insert":"c"}],[{"retain":1,"attributes":{"x":1}}]]`, `{"ops":[{"insert":"a","attributes":{"x":1}},{"insert":"b"},{"insert":"c"}]}`},
	{"insert keeps null attribute", "apply", `[[],[{"insert":"abc","attributes":{"bold":null}}]]`, `{"ops":[{"insert":"abc","attributes":{"bold":null}}]}`},
	{"empty attributes do not merge", "apply", `[[{"insert":"a"}],[{"retain":1},{"insert":"b","attributes":{}}]]`, `{"ops":[{"insert":"a"},{"insert":"b","attributes":{}}]}`},
	{"retain past end", "apply", `[[{"insert":"abc"}],[{"retain":5},{"insert":"x"}]]`, `{"ops":[{"insert":"abc"},{"retain":2},{"insert":"x"}]}`},
	{"zero retain takes all", "apply", `[[{"insert":"ab"}],[{"retain":0},{"insert":"x"}]]`, `{"ops":[{"insert":"abx"}]}`},
	{"zero delete deletes all", "apply", `[[{"insert":"abc"}],[{"delete":0},{"insert":"x"}]]`, `{"ops":[{"insert":"x"}]}`},
	{"emoji counts two", "apply", `[[{"insert":"a😀b"}],[{"retain":3},{"insert":"X"}]]`, `{"ops":[{"insert":"a😀Xb"}]}`},
	{"create from string is empty", "create", `["abc"]`, `{"ops":[]}`},
	{"create from ops", "create", `[{"ops":[{"insert":"a"}]}]`, `{"ops":[{"insert":"a"}]}`},
	{"serialize", "serialize", `[{"ops":[{"insert":"a"}]}]`, `[{"insert":"a"}]`},
	{"deserialize", "deserialize", `[[{"insert":"a"}]]`, `{"ops":[{"insert":"a"}]}`},
	{"normalize is identity", "normalize", `[[{"insert":"a"},{"insert":"b"}]]`, `[{"insert":"a"},{"insert":"b"}]`},
	// transform
	{"insert+insert priority", "transform", `[[{"insert":"B"}],[{"insert":"A"}],"left"]`, `{"ops":[{"retain":1},{"insert":"B"}]}`},
	{"insert+insert", "transform", `[[{"insert":"B"}],[{"insert":"A"}],"right"]`, `{"ops":[{"insert":"B"}]}`},
	{"insert+retain", "transform", `[[{"retain":1,"attributes":{"bold":true,"color":"red"}}],[{"insert":"A"}],"left"]`, `{"ops":[{"retain":1},{"retain":1,"attributes":{"bold":true,"color":"red"}}]}`},
	{"insert+delete", "transform", `[[{"delete":1}],[{"insert":"A"}],"left"]`, `{"ops":[{"retain":1},{"delete":1}]}`},
	{"delete+insert", "transform", `[[{"insert":"B"}],[{"delete":1}],"left"]`, `{"ops":[{"insert":"B"}]}`},
	{"delete+retain", "transform", `[[{"retain":1,"attributes":{"bold":true,"color":"red"}}],[{"delete":1}],"left"]`, `{"ops":[]}`},
	{"delete+delete", "transform", `[[{"delete":1}],[{"delete":1}],"left"]`, `{"ops":[]}`},
	{"retain+insert", "transform", `[[{"insert":"B"}],[{"retain":1,"attributes":{"color":"blue"}}],"left"]`, `{"ops":[{"insert":"B"}]}`},
	{"retain+retain priority", "transform", `[[{"retain":1,"attributes":{"bold":true,"color":"red"}}],[{"retain":1,"attributes":{"color":"blue"}}],"left"]`, `{"ops":[{"retain":1,"attributes":{"bold":true}}]}`},
	{"retain+retain priority reversed", "transform", `[[{"retain":1,"attributes":{"color":"blue"}}],[{"retain":1,"attributes":{"bold":true,"color":"red"}}],"left"]`, `{"ops":[]}`},
	{"retain+retain", "transform", `[[{"retain":1,"attributes":{"bold":true,"color":"red"}}],[{"retain":1,"attributes":{"color":"blue"}}],"right"]`, `{"ops":[{"retain":1,"attributes":{"bold":true,"color":"red"}}]}`},
	{"retain+retain reversed", "transform", `[[{"retain":1,"attributes":{"color":"blue"}}],[{"retain":1,"attributes":{"bold":true,"color":"red"}}],"right"]`, `{"ops":[{"retain":1,"attributes":{"color":"blue"}}]}`},
	{"retain+delete", "transform", `[[{"delete":1}],[{"retain":1,"attributes":{"color":"blue"}}],"left"]`, `{"ops":[{"delete":1}]}`},
	{"alternating edits", "transform", `[[{"retain":1},{"insert":"e"},{"delete":5},{"retain":1},{"insert":"ow"}],[{"retain":2},{"insert":"si"},{"delete":5}],"right"]`, `{"ops":[{"retain":1},{"insert":"e"},{"delete":1},{"retain":2},{"insert":"ow"}]}`},
	{"alternating edits reversed", "transform", `[[{"retain":2},{"insert":"si"},{"delete":5}],[{"retain":1},{"insert":"e"},{"delete":5},{"retain":1},{"insert":"ow"}],"right"]`, `{"ops":[{"retain":2},{"insert":"si"},{"delete":1}]}`},
	{"conflicting appends", "transform", `[[{"retain":3},{"insert":"bb"}],[{"retain":3},{"insert":"aa"}],"left"]`, `{"ops":[{"retain":5},{"insert":"bb"}]}`},
	{"conflicting appends reversed", "transform", `[[{"retain":3},{"insert":"aa"}],[{"retain":3},{"insert":"bb"}],"right"]`, `{"ops":[{"retain":3},{"insert":"aa"}]}`},
	{"prepend+append", "transform", `[[{"retain":3},{"insert":"bb"}],[{"insert":"aa"}],"right"]`, `{"ops":[{"retain":5},{"insert":"bb"}]}`},
	{"append+prepend", "transform", `[[{"insert":"aa"}],[{"retain":3},{"insert":"bb"}],"right"]`, `{"ops":[{"insert":"aa"}]}`},
	{"trailing deletes", "transform", `[[{"delete":3}],[{"retain":2},{"delete":1}],"right"]`, `{"ops":[{"delete":2}]}`},
	{"trailing deletes reversed", "transform", `[[{"retain":2},{"delete":1}],[{"delete":3}],"right"]`, `{"ops":[]}`},
	{"left drops keys other set", "transform", `[[{"retain":1,"attributes":{"bold":true,"color":"red"}}],[{"retain":1,"attributes":{"bold":null}}],"left"]`, `{"ops":[{"retain":1,"attributes":{"color":"red"}}]}`},
	{"right keeps null removal", "transform", `[[{"retain":1,"attributes":{"bold":null}}],[{"retain":1,"attributes":{"bold":true}}],"right"]`, `{"ops":[{"retain":1,"attributes":{"bold":null}}]}`},
	{"format split by insert", "transform", `[[{"retain":3,"attributes":{"bold":true}}],[{"retain":1},{"insert":"x"}],"right"]`, `{"ops":[{"retain":1,"attributes":{"bold":true}},{"retain":1},{"retain":2,"attributes":{"bold":true}}]}`},
	// transformPosition: delta.transform(index, priority)
	{"insert before position", "transformPosition", `[2,[{"insert":"A"}],false]`, `3`},
	{"insert after position", "transformPosition", `[1,[{"retain":2},{"insert":"A"}],false]`, `1`},
	{"insert at position priority", "transformPosition", `[2,[{"retain":2},{"insert":"A"}],true]`, `2`},
	{"insert at position", "transformPosition", `[2,[{"retain":2},{"insert":"A"}],false]`, `3`},
	{"delete before position", "transformPosition", `[4,[{"delete":2}],false]`, `2`},
	{"delete after position", "transformPosition", `[2,[{"retain":4},{"delete":2}],false]`, `2`},
	{"delete across position", "transformPosition", `[2,[{"retain":1},{"delete":4}],false]`, `1`},
	{"insert and delete before", "transformPosition", `[4,[{"retain":2},{"insert":"A"},{"delete":2}],false]`, `3`},
	{"insert before, delete across", "transformPosition", `[4,[{"retain":2},{"insert":"A"},{"delete":4}],false]`, `3`},
	{"delete before and across", "transformPosition", `[4,[{"delete":1},{"retain":1},{"delete":4}],false]`, `1`},
	{"cursor own insert at", "transformCursor", `[2,[{"retain":2},{"insert":"x"}],true]`, `3`},
	{"cursor other insert at", "transformCursor", `[2,[{"retain":2},{"insert":"x"}],false]`, `2`},
	// invert
	{"invert insert", "invert", `[[{"retain":2},{"insert":"A"}],[{"insert":"123456"}]]`, `{"ops":[{"retain":2},{"delete":1}]}`},
	{"invert delete", "invert", `[[{"retain":2},{"delete":3}],[{"insert":"123456"}]]`, `{"ops":[{"retain":2},{"insert":"345"}]}`},
	{"invert retain", "invert", `[[{"retain":2},{"retain":3,"attributes":{"bold":true}}],[{"insert":"123456"}]]`, `{"ops":[{"retain":2},{"retain":3,"attributes":{"bold":null}}]}`},
	{"invert retain on attributes", "invert", `[[{"retain":4,"attributes":{"italic":true}}],[{"insert":"123"},{"insert":"4","attributes":{"bold":true}}]]`, `{"ops":[{"retain":4,"attributes":{"italic":null}}]}`},
	{"invert combined", "invert", `[[{"retain":2},{"delete":2},{"insert":"AB","attributes":{"italic":true}},{"retain":2,"attributes":{"italic":null,"bold":true}},{"retain":2,"attributes":{"color":"red"}},{"delete":1}],[{"insert":"123","attributes":{"bold":true}},{"insert":"456","attributes":{"italic":true}},{"insert":"789","attributes":{"color":"red","bold":true}}]]`,
		`{"ops":[{"retain":2},{"insert":"3","attributes":{"bold":true}},{"insert":"4","attributes":{"italic":true}},{"delete":2},{"retain":2,"attributes":{"italic":true,"bold":null}},{"retain":2},{"insert":"9","attributes":{"color":"red","bold":true}}]}`},
	{"invert normal change on embed", "invert", `[[{"retain":1,"attributes":{"bold":true}}],[{"insert":{"image":"a"}}]]`, `{"ops":[{"retain":1,"attributes":{"bold":null}}]}`},
	// presence (rich-text test/presence.js)
	{"presence op before", "transformPresence", `[{"index":10,"length":0},[{"insert":"foo"}]]`, `{"index":13,"length":0}`},
	{"presence op after", "transformPresence", `[{"index":10,"length":0},[{"retain":20},{"insert":"foo"}]]`, `{"index":10,"length":0}`},
	{"presence range op before", "transformPresence", `[{"index":10,"length":3},[{"insert":"foo"}]]`, `{"index":13,"length":3}`},
	{"presence partial delete", "transformPresence", `[{"index":10,"length":3},[{"retain":9},{"delete":3}]]`, `{"index":9,"length":1}`},
	{"presence whole delete", "transformPresence", `[{"index":10,"length":3},[{"retain":9},{"delete":5}]]`, `{"index":9,"length":0}`},
	{"presence keeps metadata", "transformPresence", `[{"index":10,"length":0,"meta":"lorem ipsum"},[{"insert":"foo"}]]`, `{"index":13,"length":0,"meta":"lorem ipsum"}`},
	{"presence null", "transformPresence", `[null,[{"insert":"foo"}]]`, `null`},
	{"presence own insert at", "transformPresence", `[{"index":10,"length":2},[{"retain":10},{"insert":"foo"}],true]`, `{"index":13,"length":2}`},
	{"presence other insert at", "transformPresence", `[{"index":10,"length":2},[{"retain":10},{"insert":"foo"}],false]`, `{"index":10,"length":5}`},
	{"presence no op", "transformPresence", `[{"index":10,"length":0},null]`, `{"index":10,"length":0}`},
	{"presence ops object", "transformPresence", `[{"index":2,"length":2},{"ops":[{"retain":2},{"insert":"xy"}]},false]`, `{"index":2,"length":4}`},
	{"presence delete over", "transformPresence", `[{"index":2,"length":2},[{"retain":1},{"delete":5}],false]`, `{"index":1,"length":0}`},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		args, err := ot.Decode([]byte(v.args))
		if err != nil {
			t.Fatalf("%s: args: %v", v.name, err)
		}
		want, err := ot.Decode([]byte(v.want))
		if err != nil {
			t.Fatalf("%s: want: %v", v.name, err)
		}
		got, err := goCall(oracle.Call{Type: Name, Fn: v.fn, Args: args.([]any)})
		if ok, detail := oracle.Same(oracle.Result{OK: true, Value: want}, got, err, true); !ok {
			t.Errorf("%s: %s", v.name, detail)
		}
	}
}

// TestVectorsOracle checks the table itself against the reference.
func TestVectorsOracle(t *testing.T) {
	o := oracle.Start(t)
	calls := make([]oracle.Call, len(vectors))
	for i, v := range vectors {
		args, _ := ot.Decode([]byte(v.args))
		calls[i] = oracle.Call{Type: Name, Fn: v.fn, Args: args.([]any)}
	}
	for i, r := range o.Run(calls) {
		want, _ := ot.Decode([]byte(vectors[i].want))
		if ok, detail := oracle.Same(r, want, nil, true); !ok {
			t.Errorf("%s: reference disagrees with the table: %s", vectors[i].name, detail)
		}
	}
}
