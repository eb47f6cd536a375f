package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScanFrameReadsTheTopLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want frameInfo
	}{
		{`{"a":"op","c":"x","d":"d1","v":7,"src":"abc","seq":3,"op":[{"p":["n"],"na":1}],"m":{"ts":1}}`,
			frameInfo{a: "op", src: "abc", v: 7, seq: 3, hasV: true, hasSeq: true}},
		{` { "a" : "op" , "v" : 0 , "seq" : 12 , "src" : "s" } `,
			frameInfo{a: "op", src: "s", hasV: true, seq: 12, hasSeq: true}},
		{`{"op":[3,"a\"b\\",{"v":99,"seq":98}],"a":"op","v":null,"error":null}`,
			frameInfo{a: "op"}},
		{`{"a":"op","seq":4,"src":"c\u00e9","error":{"code":"ERR_X","message":"no"}}`,
			frameInfo{a: "op", src: "cé", seq: 4, hasSeq: true, hasError: true}},
		{`{"a":"hs","id":"x","protocol":1,"protocolMinor":2,"type":"http://sharejs.org/types/JSONv0"}`,
			frameInfo{a: "hs"}},
		{`{"a":"s","data":{"v":5,"data":[true,false,null,-1.5e3,{}]}}`, frameInfo{a: "s"}},
	} {
		got, err := scanFrame([]byte(tc.in))
		if err != nil || got != tc.want {
			t.Errorf("scanFrame(%s) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestScanFrameRefusesMalformedFrames(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `{`, `{"a":"op"`, `{"a":"op",}`, `{"a":op}`, `{"v":1.5}`, `{"v":1e3}`, `{"seq":"3"}`,
		`{"op":[1,2}`, `{"a":"op"} x`, `{"a":"o` + "\n" + `p"}`, `{"x":tru}`, `{"x":-}`,
		`{"x":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`,
	} {
		if f, err := scanFrame([]byte(in)); err == nil {
			t.Errorf("scanFrame(%.60q) = %+v, want an error", in, f)
		}
	}
}

// newTestEditor is a wireEditor without a connection, for handleOp.
func newTestEditor(version int64) (*wireEditor, *[]error, *int) {
	var errs []error
	delivered := 0
	e := &wireEditor{id: "d", src: "me", version: version, ack: make(chan error, 1), changed: make(chan struct{}),
		onError: func(err error) { errs = append(errs, err) },
		onOp:    func(string, int64) { delivered++ }}
	return e, &errs, &delivered
}

func TestWireEditorChecksVersions(t *testing.T) {
	op := func(s string) frameInfo {
		f, err := scanFrame([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	e, errs, delivered := newTestEditor(5)
	e.handleOp(op(`{"a":"op","v":5,"src":"other","seq":1,"op":[1]}`), nil)
	e.handleOp(op(`{"a":"op","v":5,"src":"other","seq":1,"op":[1]}`), nil) // duplicate
	if e.version != 6 || *delivered != 1 || len(*errs) != 0 {
		t.Fatalf("after an op and its duplicate: v%d, %d delivered, errors %v; want v6, 1, none", e.version, *delivered, *errs)
	}
	e.handleOp(op(`{"a":"op","v":8,"src":"other","seq":2,"op":[1]}`), nil) // gap
	if len(*errs) != 1 || !strings.Contains((*errs)[0].Error(), "gap") || e.version != 9 {
		t.Fatalf("after a gap: v%d, errors %v; want v9 and the gap reported", e.version, *errs)
	}

	e, errs, _ = newTestEditor(3)
	e.inflight = 4
	e.handleOp(op(`{"a":"op","v":3,"src":"me","seq":4}`), nil)
	if err := <-e.ack; err != nil || e.version != 4 || e.inflight != 0 {
		t.Fatalf("ack: %v, v%d, inflight %d; want nil, v4, 0", err, e.version, e.inflight)
	}
	e.inflight = 5
	e.handleOp(op(`{"a":"op","v":9,"src":"me","seq":5}`), nil)
	if err := <-e.ack; err == nil || !strings.Contains(err.Error(), "ack at v9") {
		t.Fatalf("ack at the wrong version: %v, want an error", err)
	}
	e.inflight = 6
	e.handleOp(op(`{"a":"op","src":"me","seq":6,"error":{"code":"ERR_OT_OP_BADLY_FORMED"}}`), []byte("refused"))
	if err := <-e.ack; err == nil {
		t.Fatal("op error reply: no error")
	}
	if len(*errs) != 0 {
		t.Errorf("ack errors were also reported as violations: %v", *errs)
	}
}

func FuzzScanFrame(f *testing.F) {
	for _, s := range []string{`{"a":"op","v":1,"src":"x","seq":2,"op":[1,"a"]}`, `{"a":"hs","id":"\u0041"}`, `{}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := scanFrame(b)
		if err != nil {
			return
		}
		// What the scanner accepts, encoding/json reads the same way.
		var m map[string]json.RawMessage
		if jerr := json.Unmarshal(b, &m); jerr != nil {
			var se *json.SyntaxError
			if errors.As(jerr, &se) {
				t.Fatalf("scanFrame accepted %q, which is not JSON: %v", b, jerr)
			}
			return
		}
		var a string
		if raw, ok := m["a"]; ok && utf8.Valid(raw) && json.Unmarshal(raw, &a) == nil && a != got.a {
			t.Fatalf("a = %q, encoding/json says %q", got.a, a)
		}
	})
}
