package textunicode

import (
	"math/rand/v2"
	"testing"
)

// TestEditGeneratorCoversFastPaths makes sure the single-edit generator,
// which the differential test and the fuzz targets use, reaches every
// branch of the fast paths (and their fallbacks) often.
func TestEditGeneratorCoversFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	counts := map[string]int{}
	const cases = 5000
	for range cases {
		doc := genDoc(r)
		_, a, docA := genEdit(r, doc, -1)
		_, b, _ := genEdit(r, doc, editAt(a))
		_, c, _ := genEdit(r, docA, editAt(a)+r.IntN(3))
		x, ok1 := asEdit(a)
		y, ok2 := asEdit(b)
		z, ok3 := asEdit(c)
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("generated ops %v, %v, %v do not all have the single-edit shape", a, b, c)
		}
		for _, left := range []bool{true, false} {
			_, same, ok := transformEdits(x, y, left)
			counts[transformBranch(x, y, same, ok)]++
		}
		if _, ok := composeEdits(x, z); ok {
			counts["compose "+kindName(x.c)+"+"+kindName(z.c)]++
		} else {
			counts["compose fallback"]++
		}
		if msg := fastMatchesGeneral(a, b, c); msg != "" {
			t.Fatal(msg)
		}
	}
	for _, want := range []string{
		"ins/ins same", "ins/ins moved", "del/ins same", "del/ins moved", "del/ins fallback",
		"ins/del same", "ins/del moved", "del/del same", "del/del moved", "del/del fallback",
		"compose ins+ins", "compose ins+del", "compose fallback",
	} {
		if counts[want] < cases/100 {
			t.Errorf("%q: %d of %d cases, want at least 1%%", want, counts[want], cases)
		}
	}
	t.Logf("%v", counts)
}

func kindName(c Component) string {
	if c.k == kInsert {
		return "ins"
	}
	return "del"
}

func transformBranch(x, y edit, same, ok bool) string {
	name := kindName(x.c) + "/" + kindName(y.c)
	switch {
	case !ok:
		return name + " fallback"
	case same:
		return name + " same"
	}
	return name + " moved"
}
