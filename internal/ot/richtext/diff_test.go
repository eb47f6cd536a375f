package richtext

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

const regressionFile = "testdata/regressions.jsonl"

// diffCase is one generated (doc, a, b) triple.
type diffCase struct {
	doc, a, b []any
	numbers   bool // uses numeric embeds, which Validate refuses
	// typed, in single-edit cases, is an edit made on apply(doc, a) next
	// to or inside a's change, composed with a.
	typed []any
}

// genCase returns a case; a third are single edits close together (the
// shape of the fast paths).
func genCase(r *rand.Rand) diffCase {
	if r.IntN(3) == 0 {
		c, typed := genEditCase(r)
		c.typed = typed
		return c
	}
	numbers := r.IntN(10) == 0
	doc := genDoc(r, numbers)
	return diffCase{doc: doc, a: genOp(r, doc, numbers), b: genOp(r, doc, numbers), numbers: numbers}
}

// pending is a call with the Go side's answer.
type pending struct {
	call oracle.Call
	got  any
	err  error
	note string
}

type batch struct {
	calls []pending
	fails []string // Go-only invariant failures (TP1, Validate)
}

func envInt(name string, def int64) int64 {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return def
}

// TestDifferential compares every exported function with the reference on
// generated valid inputs, and checks TP1 and Validate in Go alone.
func TestDifferential(t *testing.T) {
	o := oracle.Start(t)
	seed := uint64(envInt("WEFT_DIFF_SEED", time.Now().UnixNano()))
	cases := int(envInt("WEFT_DIFF_CASES", 100000))
	t.Logf("seed %d (WEFT_DIFF_SEED), %d cases (WEFT_DIFF_CASES)", seed, cases)
	rec := oracle.NewRecorder(regressionFile)
	// Collect rarely (bounded by a memory limit): under -race, garbage
	// collection is most of the Go side's cost.
	defer debug.SetGCPercent(debug.SetGCPercent(2000))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	const perBatch = 2000
	batches := make(chan batch, 1)
	go func() { // generate and compute the Go side while Node works

		defer close(batches)
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		for done := 0; done < cases; done += perBatch {
			var bt batch
			for i := done; i < min(done+perBatch, cases); i++ {
				note := fmt.Sprintf("seed %d case %d", seed, i)
				buildCase(r, genCase(r), note, &bt)
			}
			batches <- bt
		}
	}()
	var failures atomic.Int64
	calls := 0
	for bt := range batches {
		calls += checkBatch(t, o, rec, bt, &failures)
	}
	t.Logf("%d oracle calls", calls)
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d mismatches (recorded in %s)", n, regressionFile)
	}
}

// checkBatch runs a batch's calls in the reference, compares the answers
// and records mismatches. It returns the number of calls.
func checkBatch(t *testing.T, o *oracle.Oracle, rec *oracle.Recorder, bt batch, failures *atomic.Int64) int {
	for _, f := range bt.fails {
		if failures.Add(1) <= 20 {
			t.Error(f)
		}
	}
	calls := make([]oracle.Call, len(bt.calls))
	for i, p := range bt.calls {
		calls[i] = p.call
	}
	res := o.Run(calls)
	for i, p := range bt.calls {
		if fastSame(res[i], p.got, p.err) {
			continue
		}
		ok, detail := oracle.Same(res[i], p.got, p.err, true)
		if ok {
			continue
		}
		if err := rec.Record(oracle.Case{Call: p.call, Want: res[i], Note: p.note + ": " + detail}); err != nil {
			t.Errorf("record: %v", err)
		}
		if failures.Add(1) <= 20 {
			args, _ := ot.Marshal(p.call.Args)
			t.Errorf("%s: %s%s: %s", p.note, p.call.Fn, args, detail)
		}
	}
	return len(calls)
}

// buildCase adds the calls of one case, with Go's answers, and checks TP1,
// compose and Validate in Go.
func buildCase(r *rand.Rand, c diffCase, note string, bt *batch) {
	typ := New()
	add := func(fn string, args ...any) (any, error) {
		call := oracle.Call{Type: Name, Fn: fn, Args: args}
		got, err := goCall(call)
		bt.calls = append(bt.calls, pending{call: call, got: got, err: err, note: note})
		return got, err
	}
	fail := func(format string, args ...any) {
		bt.fails = append(bt.fails, note+": "+fmt.Sprintf(format, args...))
	}
	// Every case sends the server's transform and one other call in
	// rotation (apply, compose and the other transforms most often); the Go
	// side runs all of them for its own checks.
	docA, errA := typ.Apply(c.doc, c.a)
	docB, errB := typ.Apply(c.doc, c.b)
	aL, _ := typ.Transform(c.a, c.b, ot.Left)
	aR, _ := typ.Transform(c.a, c.b, ot.Right)
	bL, _ := typ.Transform(c.b, c.a, ot.Left)
	bR, errT := add("transform", c.b, c.a, "right")
	if errA != nil || errB != nil || errT != nil {
		fail("apply/transform failed: %v %v %v", errA, errB, errT)
		return
	}
	ab, errC := typ.Compose(c.a, bR)
	checkTP1(fail, typ, c, docA, docB, aL, aR, bL, bR)
	if !c.numbers {
		checkValid(fail, typ, c, docA, bR)
	}
	if errC == nil {
		viaCompose, _ := typ.Apply(c.doc, ab)
		viaSteps, _ := typ.Apply(docA, bR)
		if !sameDoc(viaCompose, viaSteps) {
			fail("apply(doc, compose(a, b')) != apply(apply(doc, a), b'): doc %s a %s b %s", js(c.doc), js(c.a), js(c.b))
		}
	}
	if c.typed != nil {
		add("compose", c.a, c.typed)
		if msg := fastMatchesGeneral(c.a, c.b, c.typed); msg != "" {
			fail("%s", msg)
		}
	}
	addExtra(r, c, ab, bR, add)
}

// addExtra adds one of the less central calls.
func addExtra(r *rand.Rand, c diffCase, ab, bR any, add func(string, ...any) (any, error)) {
	n := docLength(c.doc)
	ps := positions(r, c.a, n)
	pos := func() float64 { return float64(ps[r.IntN(len(ps))]) }
	switch r.IntN(24) {
	case 14, 15, 16:
		add("compose", c.a, tree(bR))
	case 17, 18, 19:
		add("transform", c.a, c.b, "left")
	case 20, 21, 22, 23:
		add("apply", c.doc, c.a)
	case 0:
		add("apply", c.doc, c.b)
	case 1:
		add("transform", c.a, c.b, "right")
	case 2:
		add("transform", c.b, c.a, "left")
	case 3:
		add("apply", c.doc, tree(ab))
	case 4:
		add("normalize", c.a)
	case 5, 6:
		add("invert", c.a, c.doc)
	case 7:
		switch r.IntN(3) {
		case 0:
			add("create", c.doc)
		case 1:
			add("serialize", map[string]any{"ops": c.doc})
		default:
			add("deserialize", c.doc)
		}
	case 8, 9:
		add("transformCursor", pos(), c.a, r.IntN(2) == 0)
	case 10:
		add("transformPosition", pos(), c.a, r.IntN(2) == 0)
	default:
		i, j := pos(), pos()
		pres := map[string]any{"index": min(i, j), "length": max(i, j) - min(i, j)}
		if r.IntN(3) == 0 {
			pres["meta"] = map[string]any{"user": "ü"}
		}
		add("transformPresence", pres, c.a, r.IntN(2) == 0)
	}
}

func checkTP1(fail func(string, ...any), typ Type, c diffCase, docA, docB, aL, aR, bL, bR any) {
	// TP1 both ways round: the reference's reversed tie-break converges
	// with either side.
	x1, e1 := typ.Apply(docA, bR)
	y1, e2 := typ.Apply(docB, aL)
	if e1 != nil || e2 != nil || !sameDoc(x1, y1) {
		fail("TP1 (b right, a left) fails: doc %s a %s b %s", js(c.doc), js(c.a), js(c.b))
	}
	x2, e3 := typ.Apply(docA, bL)
	y2, e4 := typ.Apply(docB, aR)
	if e3 != nil || e4 != nil || !sameDoc(x2, y2) {
		fail("TP1 (b left, a right) fails: doc %s a %s b %s", js(c.doc), js(c.a), js(c.b))
	}
}

func checkValid(fail func(string, ...any), typ Type, c diffCase, docA, bR any) {
	if err := typ.Validate(c.doc, c.a); err != nil {
		fail("Validate(doc, a): %v: doc %s a %s", err, js(c.doc), js(c.a))
	}
	if err := typ.Validate(c.doc, c.b); err != nil {
		fail("Validate(doc, b): %v: doc %s b %s", err, js(c.doc), js(c.b))
	}
	if err := typ.Validate(docA, bR); err != nil {
		fail("Validate(apply(doc,a), b'): %v: doc %s a %s b %s", err, js(c.doc), js(c.a), js(c.b))
	}
}

// fastSame is a quick check before oracle.Same: both succeeded with the
// same canonical bytes (Delta's encoding writes keys in sorted order).
func fastSame(r oracle.Result, got any, err error) bool {
	if !r.OK || r.Undef || err != nil {
		return false
	}
	if d, ok := got.(*Delta); ok {
		return deltaMatches(r.Value, d)
	}
	return jsonEqual(r.Value, got)
}

// deltaMatches reports whether the JSON tree want is {"ops":[...]} with
// exactly d's elements.
func deltaMatches(want any, d *Delta) bool {
	m, ok := want.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	list, ok := m["ops"].([]any)
	if !ok || len(list) != d.Len() {
		return false
	}
	ops := flatten(d.chunks)
	for i, e := range list {
		if m, ok := e.(map[string]any); ok {
			if a, has := m["attributes"]; has && a == nil {
				return false // let oracle.Same judge "attributes": null
			}
		}
		o, err := parseOp(e, i)
		if err != nil || !opEqual(o, ops[i]) {
			return false
		}
	}
	return true
}

// sameDoc compares two documents by content: the same characters with the
// same attributes, however the runs are split.
func sameDoc(a, b any) bool {
	x, err1 := toOps(a)
	y, err2 := toOps(b)
	if err1 != nil || err2 != nil {
		return false
	}
	p, q := canonicalDoc(flatten(x)), canonicalDoc(flatten(y))
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if !opEqual(p[i], q[i]) {
			return false
		}
	}
	return true
}

func canonicalDoc(ops []Op) []Op {
	b := &builder{}
	for _, o := range ops {
		if o.kind == kindText && o.attrs != nil && len(o.attrs) == 0 {
			o.attrs = nil
		}
		b.push(o)
	}
	return b.flat()
}

func js(v any) string {
	b, err := ot.Marshal(tree(v))
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// TestRegressions replays the recorded mismatches without Node.
func TestRegressions(t *testing.T) {
	cases, err := oracle.LoadCases(regressionFile)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		got, err := goCall(c.Call)
		if ok, detail := oracle.Same(c.Want, got, err, true); !ok {
			t.Errorf("case %d (%s %s): %s", i, c.Fn, c.Note, detail)
		}
	}
}
