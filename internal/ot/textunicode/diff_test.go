package textunicode

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

const (
	regressionsPath = "testdata/regressions.jsonl"
	fixturesPath    = "testdata/fixtures.jsonl"
)

// diffCall is one oracle call with the Go side's answer.
type diffCall struct {
	call oracle.Call
	got  any
	err  error
	kase int
}

// caseBuilder collects the calls of one generated case, running the Go
// side as it goes.
type caseBuilder struct {
	calls []diffCall
	kase  int
	rope  *ropeCases // when set, only applies are queued, run on Texts
}

func (cb *caseBuilder) add(fn string, args ...any) (any, error) {
	got, err := callGo(fn, args)
	cmp, cmpErr := got, err
	if cb.rope != nil {
		if fn != "apply" {
			return got, err
		}
		// The case goes on with the string result; the Text's is compared.
		cmp, cmpErr = cb.rope.apply(args)
	}
	cb.calls = append(cb.calls, diffCall{
		call: oracle.Call{Type: "text-unicode", Fn: fn, Args: args},
		got:  cmp, err: cmpErr, kase: cb.kase,
	})
	return got, err
}

func envInt(t *testing.T, name string, def int64) int64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

// TestDifferential compares every exported function with the npm reference
// on random valid (doc, a, b) triples, and checks TP1 and compose in Go.
func TestDifferential(t *testing.T) { differential(t, false) }

// TestDifferentialRope compares the same cases' applies with the
// reference, the Go side applying with tiny chunks (ropeCases).
func TestDifferentialRope(t *testing.T) { differential(t, true) }

func differential(t *testing.T, rope bool) {
	o := oracle.Start(t)
	seed := envInt(t, "WEFT_DIFF_SEED", time.Now().UnixNano())
	defCases := int64(100_000)
	if rope {
		defCases = 30_000 // only applies go to the reference
	}
	cases := int(envInt(t, "WEFT_DIFF_CASES", defCases))
	t.Logf("seed %d (WEFT_DIFF_SEED), %d cases (WEFT_DIFF_CASES)", seed, cases)
	rec := oracle.NewRecorder(regressionsPath)
	var failures atomic.Int64
	report := func(c diffCall, want oracle.Result, detail string) {
		if failures.Add(1) <= 20 {
			t.Errorf("case %d: %s%s: %s", c.kase, c.call.Fn, enc(t, c.call.Args), detail)
		}
		note := fmt.Sprintf("seed %d case %d", seed, c.kase)
		if rope {
			note += " (tiny chunks: TestRegressions replays applies so too)"
		}
		if err := rec.Record(oracle.Case{Call: c.call, Want: want, Note: note}); err != nil {
			t.Errorf("record regression: %v", err)
		}
	}
	// The test allocates heavily and keeps little: trade memory for less
	// time in the collector.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	const chunk = 2000
	batches := make(chan []diffCall, 2)
	go func() {
		defer close(batches)
		r := rand.New(rand.NewPCG(uint64(seed), uint64(seed)>>32^0x9e3779b97f4a7c15))
		for start := 0; start < cases; start += chunk {
			var calls []diffCall
			for k := start; k < min(start+chunk, cases); k++ {
				cb := caseBuilder{kase: k}
				if rope {
					cb.rope = &ropeCases{r: r}
				}
				if msg := genCase(r, &cb); msg != "" && failures.Add(1) <= 20 {
					t.Errorf("case %d: %s", k, msg)
				}
				calls = append(calls, cb.calls...)
			}
			batches <- calls
		}
	}()
	var wg sync.WaitGroup
	work := make(chan func(), runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for f := range work {
				f()
			}
		})
	}
	// Two oracle processes, each with its own reader, so that parsing the
	// replies is spread over both cores.
	var total atomic.Int64
	var runners sync.WaitGroup
	for _, o := range []*oracle.Oracle{o, oracle.Start(t)} {
		runners.Go(func() {
			for calls := range batches {
				oc := make([]oracle.Call, len(calls))
				for i, c := range calls {
					oc[i] = c.call
				}
				res := o.Run(oc)
				total.Add(int64(len(calls)))
				work <- func() {
					for i, c := range calls {
						if ok, detail := same(res[i], c.got, c.err); !ok {
							report(c, res[i], detail)
						}
					}
				}
			}
		})
	}
	runners.Wait()
	close(work)
	wg.Wait()
	t.Logf("%d oracle calls, %d failures", total.Load(), failures.Load())
}

// genCase generates one (doc, a, b) triple and queues its calls. It
// returns a description of a Go-only failure (TP1, compose), or "".
//
// A third of the cases use single-edit ops, the shape the fast paths
// take, placed close together so that ties and overlaps are common; they
// also compose a with an edit made next to or inside a's change, and check
// the fast paths against the general algorithm.
func genCase(r *rand.Rand, cb *caseBuilder) string {
	doc := genDoc(r)
	if r.IntN(3) == 0 {
		return genEditCase(r, cb, doc)
	}
	rawA, a, docA := genOp(r, doc)
	_, b, docB := genOp(r, doc)
	cb.add("apply", doc, a)
	cb.add("apply", doc, b)
	bl, _ := cb.add("transform", b, a, "left")
	br, _ := cb.add("transform", b, a, "right")
	al, _ := cb.add("transform", a, b, "left")
	ar, _ := cb.add("transform", a, b, "right")
	ab, _ := cb.add("compose", a, br)
	extraCalls(r, cb, doc, rawA, a, b)
	if msg := goChecks(doc, docA, docB, a, b, al, br, ab); msg != "" {
		return msg
	}
	return tp1(doc, docA, docB, bl, ar)
}

// genEditCase is genCase for single-edit ops.
func genEditCase(r *rand.Rand, cb *caseBuilder, doc string) string {
	rawA, a, docA := genEdit(r, doc, -1)
	rawB, b, docB := genEdit(r, doc, editAt(a))
	rawC, c, _ := genEdit(r, docA, editAt(a)+r.IntN(3))
	// Ops arrive as JSON trees or as the Type's own values.
	form := func(raw []any, op Op) any {
		if r.IntN(2) == 0 {
			return raw
		}
		return op
	}
	cb.add("apply", doc, form(rawA, a))
	cb.add("apply", doc, form(rawB, b))
	bl, _ := cb.add("transform", form(rawB, b), form(rawA, a), "left")
	br, _ := cb.add("transform", form(rawB, b), form(rawA, a), "right")
	al, _ := cb.add("transform", form(rawA, a), form(rawB, b), "left")
	ar, _ := cb.add("transform", form(rawA, a), form(rawB, b), "right")
	ab, _ := cb.add("compose", form(rawA, a), br)
	cb.add("compose", form(rawA, a), form(rawC, c))
	// Results (single edits come back as the fast path's own value) are
	// ops too.
	cb.add("apply", docA, br)
	cb.add("transform", bl, ar, "left")
	extraCalls(r, cb, doc, rawA, a, b)
	if msg := fastMatchesGeneral(a, b, c); msg != "" {
		return msg
	}
	if msg := goChecks(doc, docA, docB, a, b, al, br, ab); msg != "" {
		return msg
	}
	return tp1(doc, docA, docB, bl, ar)
}

// extraCalls adds one call of the remaining functions, chosen at random
// so that each case costs about eight oracle calls, and a third of the time a
// cursor transform at a component boundary (insert points, range ends).
func extraCalls(r *rand.Rand, cb *caseBuilder, doc string, rawA []any, a, b Op) {
	docLen := cpCount(doc)
	ps := positions(r, a, docLen)
	pos := float64(randomInt(r, docLen+1))
	if r.IntN(3) == 0 {
		cb.add("transformPosition", float64(ps[r.IntN(len(ps))]), a)
	}
	switch r.IntN(14) {
	case 0:
		cb.add("normalize", rawA)
	case 1:
		cb.add("checkOp", rawA)
	case 2:
		cb.add("makeInvertible", a, doc)
	case 3:
		inv, _ := MakeInvertible(a, doc)
		cb.add("invert", inv)
	case 4:
		cb.add("invertWithDoc", b, doc)
	case 5:
		cb.add("stripInvertible", a)
	case 6:
		cb.add("isInvertible", a)
	case 7:
		cb.add("isNoop", b)
	case 8:
		p, q := ps[r.IntN(len(ps))], ps[r.IntN(len(ps))]
		cb.add("transformSelection", []any{float64(p), float64(q)}, b)
	case 9:
		cb.add("insert", pos, oracle.Text(r, randomInt(r, 3)))
	case 10:
		cb.add("remove", pos, float64(randomInt(r, 3)))
	case 11:
		cb.add("remove", pos, oracle.Text(r, randomInt(r, 2)))
	case 12:
		cb.add("create", doc)
	default:
		cb.add("transformSelection", pos, b)
	}
}

// same compares a Go result with the reference's: a fast byte comparison
// of the encodings (Weft's Op encodes canonically), falling back to
// oracle.Same for the verdict and its description.
func same(r oracle.Result, got any, gotErr error) (bool, string) {
	if r.OK && gotErr == nil && !r.Undef {
		g, err1 := ot.Marshal(got)
		w, err2 := ot.Marshal(r.Value)
		if err1 == nil && err2 == nil && bytes.Equal(g, w) {
			return true, ""
		}
	}
	return oracle.Same(r, got, gotErr, true)
}

// goChecks asserts the generator's model, TP1 and compose in Go alone.
func goChecks(doc, docA, docB string, a, b Op, al, br, ab any) string {
	typ := New()
	gotA, err := typ.Apply(doc, a)
	if err != nil || gotA != docA {
		return fmt.Sprintf("apply(%q, %v) = %q, %v; generator expected %q", doc, a, gotA, err, docA)
	}
	if err := typ.Validate(doc, a); err != nil {
		return fmt.Sprintf("Validate rejected generated op: %v", err)
	}
	left, err1 := typ.Apply(docA, br)
	right, err2 := typ.Apply(docB, al)
	if err1 != nil || err2 != nil || left != right {
		return fmt.Sprintf("TP1: doc %q a %v b %v: %q (%v) != %q (%v)", doc, a, b, left, err1, right, err2)
	}
	composed, err := typ.Apply(doc, ab)
	if err != nil || composed != left {
		return fmt.Sprintf("compose: doc %q a %v b' %v: %q (%v), want %q", doc, a, br, composed, err, left)
	}
	return ""
}

// tp1 checks TP1 with the sides swapped: b transformed with Left.
func tp1(doc, docA, docB string, bl, ar any) string {
	typ := New()
	left, err1 := typ.Apply(docA, bl)
	right, err2 := typ.Apply(docB, ar)
	if err1 != nil || err2 != nil || left != right {
		return fmt.Sprintf("TP1 (b left): doc %q: %q (%v) != %q (%v)", doc, left, err1, right, err2)
	}
	return ""
}

// TestRegressions replays the recorded mismatches, and the recorded
// reference answers for odd inputs, without Node.
func TestRegressions(t *testing.T) {
	if _, err := os.Stat(regressionsPath); err != nil {
		t.Fatalf("%s must exist (empty is fine): %v", regressionsPath, err)
	}
	n := 0
	for _, path := range []string{regressionsPath, fixturesPath} {
		cases, err := oracle.LoadCases(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cases {
			got, err := callGo(c.Fn, c.Args)
			if ok, detail := oracle.Same(c.Want, got, err, true); !ok {
				t.Errorf("%s:%d (%s) %s%s: %s", path, i+1, c.Note, c.Fn, enc(t, c.Args), detail)
			}
			if c.Fn == "apply" {
				replayRope(t, c, fmt.Sprintf("%s:%d", path, i+1))
			}
		}
		n += len(cases)
	}
	if n < len(oddCalls) {
		t.Errorf("replayed %d cases, want at least the %d odd-input fixtures", n, len(oddCalls))
	}
}
