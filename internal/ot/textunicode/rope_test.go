package textunicode

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// stringType applies with strings only (its threshold is never reached):
// the reference the rope is compared with.
func stringType() Type { return newSizedType(1<<60, defaultChunk) }

// tinySizes are the (flat, chunk) pairs the rope tests run with: chunks of
// one code point up to a few, and thresholds from "always a Text" up.
var tinySizes = [][2]int{{0, 1}, {0, 2}, {1, 3}, {0, 4}, {7, 5}, {0, 8}, {32, 16}, {3, 64}}

// flat returns a snapshot's text, failing on other values.
func flat(t testing.TB, v any) string {
	t.Helper()
	s, ok := snapshotText(v)
	if !ok {
		t.Fatalf("snapshot is %T, not a string or *Text", v)
	}
	return s
}

// textInvariants checks a Text against the rules of rope.go.
func textInvariants(t *Text, z ropeSizes) error {
	n, size := 0, 0
	for i, c := range t.chunks {
		switch {
		case c.s == "":
			return fmt.Errorf("chunk %d is empty", i)
		case !utf8.ValidString(c.s):
			return fmt.Errorf("chunk %d %q is not cut at code point starts", i, c.s)
		case c.n != utf8.RuneCountInString(c.s):
			return fmt.Errorf("chunk %d %q: count %d", i, c.s, c.n)
		case len(c.s) > 2*z.chunk && c.n > 1:
			return fmt.Errorf("chunk %d has %d bytes, limit %d", i, len(c.s), 2*z.chunk)
		case i > 0 && len(t.chunks[i-1].s)+len(c.s) <= z.chunk:
			return fmt.Errorf("chunks %d and %d (%d+%d bytes) fit in one of %d", i-1, i, len(t.chunks[i-1].s), len(c.s), z.chunk)
		}
		n += c.n
		size += len(c.s)
	}
	if n != t.n || size != t.size {
		return fmt.Errorf("totals %d code points, %d bytes; chunks hold %d, %d", t.n, t.size, n, size)
	}
	return nil
}

// checkResult checks that v, returned by Apply with sizes z, is want in
// the form the sizes call for.
func checkForm(v any, want string, z ropeSizes) error {
	switch x := v.(type) {
	case string:
		if len(x) > z.flat {
			return fmt.Errorf("result of %d bytes is a string (flat %d)", len(x), z.flat)
		}
		if x != want {
			return fmt.Errorf("result %q, want %q", x, want)
		}
	case *Text:
		if x.size <= z.flat {
			return fmt.Errorf("result of %d bytes is a *Text (flat %d)", x.size, z.flat)
		}
		if err := textInvariants(x, z); err != nil {
			return err
		}
		if got := x.String(); got != want {
			return fmt.Errorf("result %q, want %q", got, want)
		}
	default:
		return fmt.Errorf("result is %T", v)
	}
	return nil
}

// ropeOp returns a random op for doc: single edits and general ops (as
// JSON trees or Op values), large inserts and deletes crossing many
// chunks, and ops that fail or that only odd inputs reach.
func ropeOp(r *rand.Rand, doc string) any {
	n := utf8.RuneCountInString(doc)
	form := func(raw []any, op Op) any {
		if r.IntN(2) == 0 {
			return raw
		}
		return op
	}
	switch r.IntN(12) {
	case 0, 1, 2, 3:
		raw, op, _ := genEdit(r, doc, -1)
		return form(raw, op)
	case 4, 5:
		raw, op, _ := genOp(r, doc)
		return form(raw, op)
	case 6:
		return InsertOp(randomInt(r, n+1), oracle.Text(r, 1+r.IntN(80)))
	case 7:
		pos := randomInt(r, n+1)
		return RemoveOp(pos, 1+randomInt(r, n-pos+3)) // may reach past the end
	case 8:
		pos := randomInt(r, n+1)
		k := min(n-pos, 1+r.IntN(40))
		if k == 0 {
			return Op{}
		}
		return RemoveTextOp(pos, string([]rune(doc)[pos:pos+k]))
	case 9:
		return Op{Skip(n + 1 + r.IntN(3)), Insert("x")} // past the end
	}
	odd := []string{`[]`, `[1.5,"x"]`, `[0.2,"x",{"d":0.5}]`, `[true,1,false,"x"]`, `[{"d":1,"x":1},"y"]`,
		`[0,"x"]`, `[{"d":0}]`, `[null]`, `[2,3,"x"]`, `[1]`, `[{"d":"zz"}]`, `[1,{"d":"a"},"b",2,{"d":1e300}]`,
		`"x"`, `[{"d":[]}]`, `[1e300,"x"]`}
	v, err := ot.Decode([]byte(odd[r.IntN(len(odd))]))
	if err != nil {
		panic(err)
	}
	return v
}

// ropeDoc returns a random starting document, sometimes long enough to
// cross every threshold of tinySizes.
func ropeDoc(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return oracle.Text(r, 40+r.IntN(200))
	}
	return genDoc(r)
}

// ropeSteps applies steps random ops to doc with the string type and with
// typ, comparing results, errors, Validate and encodings after every op,
// and checking that the snapshot applied to is unchanged.
func ropeSteps(t *testing.T, r *rand.Rand, typ Type, doc string, steps int) {
	t.Helper()
	z := typ.rope()
	var snap any = doc // the rope side starts from the string, as after Create
	for range steps {
		op := ropeOp(r, doc)
		before := snapshotCopy(snap)
		want, wantErr := stringType().Apply(doc, op)
		got, gotErr := typ.Apply(snap, op)
		if !sameErr(wantErr, gotErr) {
			t.Fatalf("apply %s to %q (%T): error %v, want %v", enc(t, op), doc, snap, gotErr, wantErr)
		}
		if !sameErr(stringType().Validate(doc, op), typ.Validate(snap, op)) {
			t.Fatalf("validate %s on %q: %v, want %v", enc(t, op), doc, typ.Validate(snap, op), stringType().Validate(doc, op))
		}
		if r.IntN(8) == 0 {
			a, err1 := MakeInvertible(op, doc)
			b, err2 := MakeInvertible(op, snap)
			if !sameErr(err1, err2) || (err1 == nil && a.String() != b.String()) {
				t.Fatalf("makeInvertible %s on %q: %v %v, want %v %v", enc(t, op), doc, b, err2, a, err1)
			}
		}
		if err := snapshotUnchanged(snap, before); err != nil {
			t.Fatalf("apply %s changed its snapshot: %v", enc(t, op), err)
		}
		if wantErr != nil {
			continue
		}
		w := flat(t, want)
		if err := checkForm(got, w, z); err != nil {
			t.Fatalf("apply %s to %q (%T): %v", enc(t, op), doc, snap, err)
		}
		if a, b := mustMarshal(t, w), mustMarshal(t, got); !bytes.Equal(a, b) {
			t.Fatalf("encoding %s, want %s", b, a)
		}
		doc, snap = w, got
	}
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error()
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := ot.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// snapshotCopy returns a copy of a snapshot's structure (a string is
// immutable; a Text's chunk list is copied).
func snapshotCopy(v any) any {
	if x, ok := v.(*Text); ok {
		c := *x
		c.chunks = slices.Clone(x.chunks)
		return &c
	}
	return v
}

func snapshotUnchanged(v, saved any) error {
	x, ok := v.(*Text)
	if !ok {
		if v != saved {
			return fmt.Errorf("string changed")
		}
		return nil
	}
	y := saved.(*Text)
	if x.n != y.n || x.size != y.size || !slices.Equal(x.chunks, y.chunks) {
		return fmt.Errorf("Text changed")
	}
	return nil
}

// TestRopeMatchesString applies random op sequences to documents held as
// strings and as Texts with tiny chunks: results, errors, Validate and
// encodings agree, every Text keeps the chunk invariants, and no apply
// changes the snapshot it was given.
func TestRopeMatchesString(t *testing.T) {
	for _, sz := range tinySizes {
		t.Run(fmt.Sprintf("flat%d-chunk%d", sz[0], sz[1]), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(sz[0]), uint64(sz[1])))
			typ := newSizedType(sz[0], sz[1])
			for range 300 {
				ropeSteps(t, r, typ, ropeDoc(r), 25)
			}
		})
	}
}

// TestRopeDefaultSizes runs the same comparison with the default sizes on
// documents of tens of kilobytes.
func TestRopeDefaultSizes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 6 {
		doc := benchDoc(20<<10 + r.IntN(60<<10))
		ropeSteps(t, r, New(), doc, 200)
	}
}

// TestRopeKeystrokeCopiesOneChunk checks the point of the rope: a
// keystroke on a 1 MB document shares every chunk but the one it edits.
func TestRopeKeystrokeCopiesOneChunk(t *testing.T) {
	typ := New()
	doc := benchDoc(1 << 20)
	v, err := typ.Apply(doc, Op{})
	if err != nil {
		t.Fatal(err)
	}
	base := v.(*Text)
	if err := textInvariants(base, typ.rope()); err != nil {
		t.Fatal(err)
	}
	mid := cpCount(doc) / 2
	for _, op := range []Op{{Skip(mid), Insert("x")}, {Skip(mid), Delete(1)}, {Skip(mid), Insert("x"), Skip(1), Delete(1)}} {
		v, err := typ.Apply(base, op)
		if err != nil {
			t.Fatal(err)
		}
		next := v.(*Text)
		if err := textInvariants(next, typ.rope()); err != nil {
			t.Fatal(err)
		}
		shared := map[string]bool{}
		for _, c := range base.chunks {
			shared[c.s] = true
		}
		changed := 0
		for _, c := range next.chunks {
			if !shared[c.s] {
				changed += len(c.s)
			}
		}
		if changed > 2*defaultChunk {
			t.Errorf("%v: %d bytes in new chunks, want at most %d", op, changed, 2*defaultChunk)
		}
	}
}

// TestTextEmptyAndNil checks that a nil or zero *Text is the empty text.
func TestTextEmptyAndNil(t *testing.T) {
	typ := newSizedType(0, 2)
	for _, snap := range []any{(*Text)(nil), &Text{}} {
		if got := mustMarshal(t, snap); string(got) != `""` {
			t.Errorf("%#v encodes as %s", snap, got)
		}
		if err := typ.Validate(snap, Op{Insert("ab")}); err != nil {
			t.Errorf("validate: %v", err)
		}
		if err := typ.Validate(snap, Op{Skip(1), Insert("ab")}); err == nil {
			t.Errorf("validate of a skip past the end: no error")
		}
		for _, op := range []any{Op{Insert("ab")}, Op{Insert("a"), Insert("b")}} {
			got, err := typ.Apply(snap, op)
			if err != nil || flat(t, got) != "ab" {
				t.Errorf("apply %v: %v %v", op, got, err)
			}
		}
		if _, err := typ.Apply(snap, Op{Skip(1), Insert("x")}); err != errTooLong {
			t.Errorf("skip past the end: %v", err)
		}
		if s := snap.(*Text).String(); s != "" {
			t.Errorf("String() = %q", s)
		}
	}
}

// TestTextJSON checks that a Text encodes exactly as its string does,
// escapes included.
func TestTextJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	special := []string{"\"", "\\", "\n", "\t", "\x01", "\x7f", "<", ">", "&", "\u2028", "\u2029", "😀", "é"}
	for _, sz := range tinySizes {
		z := newSizedType(sz[0], sz[1]).rope()
		for range 200 {
			var b strings.Builder
			for range r.IntN(60) {
				if r.IntN(3) == 0 {
					b.WriteString(special[r.IntN(len(special))])
				} else {
					b.WriteString(oracle.Text(r, 1))
				}
			}
			s := b.String()
			v := z.hold(s)
			if got, want := mustMarshal(t, v), mustMarshal(t, s); !bytes.Equal(got, want) {
				t.Fatalf("%q (%T): encoded %s, want %s", s, v, got, want)
			}
			if x, ok := v.(*Text); ok {
				if err := textInvariants(x, z); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// FuzzRopeApply compares op sequences on a string and on a Text with
// sizes taken from the input.
func FuzzRopeApply(f *testing.F) {
	f.Add("", uint64(1), uint8(0), uint8(1))
	f.Add("a😀b👩‍💻c", uint64(2), uint8(0), uint8(2))
	f.Add("héllo 中文 𝒳\nworld", uint64(3), uint8(5), uint8(3))
	f.Fuzz(func(t *testing.T, doc string, seed uint64, flatSize, chunk uint8) {
		doc = fuzzDoc(doc)
		typ := newSizedType(int(flatSize%40), 1+int(chunk%24))
		ropeSteps(t, fuzzRand(seed), typ, doc, 8)
	})
}

// ropeCases runs the differential test's applies with tiny sizes drawn
// per call, on the document as a string or as a Text.
type ropeCases struct {
	r *rand.Rand
}

func (rc *ropeCases) apply(args []any) (any, error) {
	sz := tinySizes[rc.r.IntN(len(tinySizes))]
	return ropeApply(newSizedType(sz[0], sz[1]), args, rc.r.IntN(2) == 0)
}

// ropeApply is callGo's apply with typ, the document (when a string)
// first made a Text if asText.
func ropeApply(typ Type, args []any, asText bool) (any, error) {
	if len(args) < 2 {
		return callGo("apply", args)
	}
	snap := args[0]
	if s, ok := snap.(string); ok && asText {
		one := [1]piece{{s, -1}}
		snap = typ.rope().text(one[:], len(s))
	}
	return typ.Apply(snap, args[1])
}

// replayRope replays a recorded apply with every tiny size, from the
// string and from a Text.
func replayRope(t *testing.T, c oracle.Case, where string) {
	for _, sz := range tinySizes {
		for _, asText := range []bool{false, true} {
			got, err := ropeApply(newSizedType(sz[0], sz[1]), c.Args, asText)
			if ok, detail := oracle.Same(c.Want, got, err, true); !ok {
				t.Errorf("%s (%s) sizes %v, Text %v: apply%s: %s", where, c.Note, sz, asText, enc(t, c.Args), detail)
			}
		}
	}
}

// ropeExercise is exercise for the rope: v as an op on small documents
// held as Texts with one-byte chunks, and as a snapshot, gives what the
// string type gives, and never panics.
func ropeExercise(t *testing.T, v any) {
	typ := newSizedType(0, 1)
	for _, doc := range []string{"", "abc", "a😀b👩‍💻c"} {
		one := [1]piece{{doc, -1}}
		for _, snap := range []any{doc, typ.rope().text(one[:], len(doc))} {
			want, err1 := stringType().Apply(doc, v)
			got, err2 := typ.Apply(snap, v)
			if !sameErr(err1, err2) || (err1 == nil && flat(t, want) != flat(t, got)) {
				t.Fatalf("apply %s to %q (%T): %v %v, want %v %v", enc(t, v), doc, snap, got, err2, want, err1)
			}
			if !sameErr(stringType().Validate(doc, v), typ.Validate(snap, v)) {
				t.Fatalf("validate %s on %q (%T) differs", enc(t, v), doc, snap)
			}
		}
	}
	if _, ok := v.(string); ok {
		return // a string snapshot: ropeSteps and the fuzz targets cover it
	}
	for _, op := range []any{[]any{}, []any{1.0, "x"}, Op{DeleteText("a")}} {
		_, err1 := stringType().Apply(v, op)
		_, err2 := typ.Apply(v, op)
		if err1 == nil || !sameErr(err1, err2) {
			t.Fatalf("apply %s to snapshot %s: %v, want %v", enc(t, op), enc(t, v), err2, err1)
		}
	}
}
