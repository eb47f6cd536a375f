package json0

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// check is one call made on both sides: the Go result is computed when
// the case is generated, the reference's comes back from the oracle.
type check struct {
	call oracle.Call
	got  []byte // the Go result's JSON, taken when the check is added
	err  error
}

// caseSet is a batch of generated checks plus Go-only property failures.
type caseSet struct {
	batch    uint64
	checks   []check
	failures []string
}

func envInt(name string, def int64) int64 {
	if s := os.Getenv(name); s != "" {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v
		}
	}
	return def
}

func TestDifferential(t *testing.T) {
	oracles := []*oracle.Oracle{oracle.Start(t), oracle.Start(t)}
	// The test allocates many small short-lived trees; collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	seed := envInt("WEFT_DIFF_SEED", time.Now().UnixNano())
	cases := int(envInt("WEFT_DIFF_CASES", 100000))
	t.Logf("seed %d, %d cases (WEFT_DIFF_SEED, WEFT_DIFF_CASES)", seed, cases)
	const perBatch = 1000
	batches := (cases + perBatch - 1) / perBatch
	next := make(chan int)
	ready := make(chan caseSet, 4)
	var gen sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		gen.Add(1)
		go func() {
			defer gen.Done()
			for b := range next {
				ready <- genBatch(uint64(seed), uint64(b), min(perBatch, cases-b*perBatch))
			}
		}()
	}
	go func() {
		for b := range batches {
			next <- b
		}
		close(next)
		gen.Wait()
		close(ready)
	}()
	var d diffRun
	d.seed, d.rec = seed, oracle.NewRecorder("testdata/regressions.jsonl")
	var run sync.WaitGroup
	for _, o := range oracles {
		run.Add(1)
		go func() {
			defer run.Done()
			for set := range ready {
				d.check(t, o, set)
			}
		}()
	}
	run.Wait()
	t.Logf("%d oracle calls", d.calls)
	if d.mismatches > 0 {
		t.Errorf("%d mismatches (recorded in testdata/regressions.jsonl)", d.mismatches)
	}
}

// diffRun compares batches with the oracle and records mismatches. It is
// shared by the runner goroutines.
type diffRun struct {
	seed              int64
	rec               *oracle.Recorder
	mu                sync.Mutex
	mismatches, calls int
}

func (d *diffRun) check(t *testing.T, o *oracle.Oracle, set caseSet) {
	for _, f := range set.failures {
		t.Errorf("seed %d batch %d: %s", d.seed, set.batch, f)
	}
	calls := make([]oracle.Call, len(set.checks))
	for i, c := range set.checks {
		calls[i] = c.call
	}
	for i, res := range o.Run(calls) {
		c := set.checks[i]
		if sameFast(res, c.got, c.err) {
			continue
		}
		var got any
		if c.err == nil {
			got, _ = ot.Decode(c.got)
		}
		ok, detail := oracle.Same(res, got, c.err, true)
		if ok {
			continue
		}
		d.mu.Lock()
		d.mismatches++
		if d.mismatches <= 20 {
			t.Errorf("%s.%s%s: %s", c.call.Type, c.call.Fn, mustJSON(c.call.Args), detail)
		}
		d.mu.Unlock()
		if err := d.rec.Record(oracle.Case{Call: c.call, Want: res, Note: fmt.Sprintf("seed %d batch %d", d.seed, set.batch)}); err != nil {
			t.Errorf("record: %v", err)
		}
	}
	d.mu.Lock()
	d.calls += len(calls)
	d.mu.Unlock()
}

// sameFast reports a match of two successful results with equal JSON. Go
// results are plain trees, so Marshal is already canonical.
func sameFast(res oracle.Result, got []byte, err error) bool {
	if !res.OK || err != nil {
		return false
	}
	want := res.Value
	if res.Undef {
		want = nil
	}
	b, err := ot.Marshal(want)
	return err == nil && string(got) == string(b)
}

// genBatch generates n cases from (seed, batch) and computes the Go side.
func genBatch(seed, batch uint64, n int) caseSet {
	g := &gen{r: rand.New(rand.NewPCG(seed, batch))}
	typ := New()
	set := caseSet{batch: batch}
	for i := range n {
		name := fmt.Sprintf("case %d", i)
		if i%3 == 2 {
			textCase(&set, g, i, name)
			continue
		}
		g.form = stringForm(i / 3 % 3)
		jsonCase(&set, typ, g, i, name)
	}
	return set
}

// add records a check. The Go result is encoded at once, so the caller may
// go on to modify it (Apply works in place).
func (s *caseSet) add(typ, fn string, got any, err error, args ...any) {
	var b []byte
	if err == nil {
		if b, err = ot.Marshal(got); err != nil {
			err = fmt.Errorf("encode Go result: %w", err)
		}
	}
	s.checks = append(s.checks, check{call: oracle.Call{Type: typ, Fn: fn, Args: args}, got: b, err: err})
}

func (s *caseSet) failf(format string, args ...any) {
	s.failures = append(s.failures, fmt.Sprintf(format, args...))
}

// jsonCase adds one json0 (doc, a, b) case: both applies, the two
// transforms TP1 needs (sides alternating between cases) and one of the
// other functions in rotation, plus the Go-only property checks.
func jsonCase(s *caseSet, typ *Type, g *gen, i int, name string) {
	doc := g.doc()
	a, _ := g.jsonOp(doc)
	b, _ := g.jsonOp(doc)
	// The reference's generator makes empty deletes, which Validate refuses
	// as zero-length edits; every other generated op is valid. (a and b
	// come from the same generator, so checking one per case suffices.)
	op := [2][]any{a, b}[i%2]
	if err, empty := typ.Validate(doc, op), hasEmptyEdit(op); (err != nil) != empty {
		s.failf("%s: Validate(%s, %s) = %v, want rejection %v", name, mustJSON(doc), mustJSON(op), err, empty)
	}
	da, err := typ.Apply(cloneJSON(doc), a)
	s.add("json0", "apply", da, err, doc, a)
	sideA, sideB := ot.Left, ot.Right
	if g.r.IntN(2) == 1 {
		sideA, sideB = ot.Right, ot.Left
	}
	ab, errAB := typ.Transform(a, b, sideA)
	s.add("json0", "transform", ab, errAB, a, b, sideA.String())
	ba, errBA := typ.Transform(b, a, sideB)
	s.add("json0", "transform", ba, errBA, b, a, sideB.String())
	// Half the cases add one more function, chosen at random.
	switch g.r.IntN(12) {
	case 0:
		l, r, err := typ.TransformX(a, b)
		s.add("json0", "transformX", []any{l, r}, err, a, b)
	case 1:
		if sideA == ot.Left {
			c, err := typ.Compose(a, ba)
			s.add("json0", "compose", c, err, a, ba)
		} else {
			c, err := typ.Compose(b, ab)
			s.add("json0", "compose", c, err, b, ab)
		}
	case 2:
		n, err := typ.Normalize(a)
		s.add("json0", "normalize", n, err, a)
	case 3:
		inv, err := typ.Invert(a)
		s.add("json0", "invert", inv, err, a)
	case 4:
		db, err := typ.Apply(cloneJSON(doc), b)
		s.add("json0", "apply", db, err, doc, b)
	case 5:
		sh, err := typ.Shatter(b)
		s.add("json0", "shatter", sh, err, b)
	}
	if err == nil && errAB == nil && errBA == nil {
		jsonProperties(s, typ, i, name, doc, da, a, b, ab, ba, g.form)
	} else if g.form != formMixed {
		s.failf("%s: generated ops failed: %v %v %v", name, err, errAB, errBA)
	}
}

// jsonProperties checks TP1 (every case), compose and invert (in rotation)
// in Go alone. The op whose side was Left is a on even rotations.
// da is apply(doc, a), which the function may modify.
func jsonProperties(s *caseSet, typ *Type, i int, name string, doc, da any, a, b []any, ab, ba any, form stringForm) {
	db, errB := typ.Apply(cloneJSON(doc), b)
	if errB != nil {
		s.failf("%s: apply of a generated op failed: %v", name, errB)
		return
	}
	// Mixed string forms make stale ops (the reference's documented
	// divergence), so the algebraic properties only hold for pure forms.
	switch pure := form != formMixed; {
	case pure && i%4 == 0:
		if c, err := typ.Compose(a, ba); err != nil {
			s.failf("%s: compose: %v", name, err)
		} else if got, err := typ.Apply(cloneJSON(doc), c); err != nil || !sameDoc(got, mustApply(typ, cloneJSON(da), ba)) {
			s.failf("%s: compose differs from sequential apply: doc %s a %s b' %s", name, jsonString(doc), jsonString(a), jsonString(ba))
		}
	case pure && i%4 == 1:
		inv, err := typ.Invert(a)
		if back, err2 := typ.Apply(cloneJSON(da), inv); err != nil || err2 != nil || !sameDoc(back, doc) {
			s.failf("%s: invert does not undo: doc %s a %s inverse %s gives %s (%v %v)", name, jsonString(doc), jsonString(a), jsonString(inv), jsonString(back), err, err2)
		}
	}
	// TP1: apply(apply(s, a), T(b, a, ·)) == apply(apply(s, b), T(a, b, ·))
	// with opposite sides.
	x, err1 := typ.Apply(da, ba)
	y, err2 := typ.Apply(db, ab)
	if form != formMixed && (err1 != nil || err2 != nil || !sameDoc(x, y)) {
		s.failf("%s: TP1 fails on doc %s a %s b %s: %s (%v) vs %s (%v)", name, jsonString(doc), jsonString(a), jsonString(b), jsonString(x), err1, jsonString(y), err2)
	}
}

func mustApply(typ *Type, doc, op any) any {
	v, err := typ.Apply(doc, op)
	if err != nil {
		return err
	}
	return v
}

// sameDoc compares documents (float -0 and 0 are equal, as in JSON).
func sameDoc(a, b any) bool { return deepEqual(a, b) }

func jsonString(v any) string {
	b, err := ot.Marshal(v)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

// textCase adds one text0 case: both applies, the TP1 transforms, one
// other function in rotation and the cursor at a random position, at each
// component's offset and at each delete's end.
func textCase(s *caseSet, g *gen, i int, name string) {
	t0 := NewText0()
	doc := oracle.Text(g.r, g.r.IntN(12))
	a, _ := g.textOp(doc)
	b, _ := g.textOp(doc)
	da, errA := t0.Apply(doc, a)
	s.add("text0", "apply", da, errA, doc, a)
	db, errB := t0.Apply(doc, b)
	al, err := t0.Transform(a, b, ot.Left)
	s.add("text0", "transform", al, err, a, b, "left")
	br, err := t0.Transform(b, a, ot.Right)
	s.add("text0", "transform", br, err, b, a, "right")
	switch g.r.IntN(8) {
	case 0:
		l, r, err := t0.TransformX(a, b)
		s.add("text0", "transformX", []any{l, r}, err, a, b)
	case 1:
		ab, err := t0.Compose(a, br)
		s.add("text0", "compose", ab, err, a, br)
	case 2:
		na, err := t0.Normalize(a)
		s.add("text0", "normalize", na, err, a)
	case 3:
		inv, err := t0.Invert(a)
		s.add("text0", "invert", inv, err, a)
	}
	pos := cursorPositions(g, doc, a)
	side := [2]string{"left", "right"}[g.r.IntN(2)]
	at := pos[g.r.IntN(len(pos))]
	got, err := t0.TransformCursor(at, a, side)
	s.add("text0", "transformCursor", got, err, at, a, side)
	if errA == nil && errB == nil {
		x, err1 := t0.Apply(da, br)
		y, err2 := t0.Apply(db, al)
		if err1 != nil || err2 != nil || x != y {
			s.failf("%s: text0 TP1 fails on %q a %s b %s", name, doc, jsonString(a), jsonString(b))
		}
	}
}

// cursorPositions returns a random position plus the positions exactly at
// each component's offset and at each delete's end.
func cursorPositions(g *gen, doc string, op []any) []any {
	offs := runeOffsets(doc)
	out := []any{float64(offs[g.r.IntN(len(offs))])}
	for _, cv := range op {
		c := cv.(map[string]any)
		p := c["p"].(float64)
		out = append(out, p)
		if d, ok := c["d"].(string); ok {
			out = append(out, p+float64(ot.UTF16Len(d)))
		}
	}
	return out
}

// TestRegressions replays the recorded mismatches without Node.
func TestRegressions(t *testing.T) {
	cases, err := oracle.LoadCases("testdata/regressions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	typ := NewWithSubtypes()
	for _, c := range cases {
		var got any
		var err error
		args := cloneJSON(c.Args).([]any)
		if c.Type == "text0" {
			got, err = callText0(c.Fn, args)
		} else {
			got, err = callJSON0(typ, c.Fn, args)
		}
		if ok, d := oracle.Same(c.Want, got, err, true); !ok {
			t.Errorf("%s (%s) %s.%s%s: %s", c.Note, c.Want.Error, c.Type, c.Fn, mustJSON(c.Args), d)
		}
	}
}

// hasEmptyEdit reports whether op holds an empty si, sd, i or d.
func hasEmptyEdit(op []any) bool {
	for _, cv := range op {
		c := cv.(map[string]any)
		if c["si"] == "" || c["sd"] == "" {
			return true
		}
		if o, ok := c["o"].([]any); ok {
			for _, tv := range o {
				tc := tv.(map[string]any)
				if tc["i"] == "" || tc["d"] == "" {
					return true
				}
			}
		}
	}
	return false
}
