package richtext

import (
	"math/rand/v2"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// TestEditGeneratorCoversFastPaths makes sure the single-edit generator,
// which the differential test and the fuzz targets use, reaches the fast
// paths' branches (and their fallbacks) often, and that they agree with
// the general algorithm there.
func TestEditGeneratorCoversFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	counts := map[string]int{}
	const cases = 3000
	for range cases {
		c, typed := genEditCase(r)
		x, ok1 := editOf(c.a)
		y, ok2 := editOf(c.b)
		z, ok3 := editOf(typed)
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("generated ops %s, %s, %s do not all have the single-edit shape", js(c.a), js(c.b), js(typed))
		}
		for _, side := range []ot.Side{ot.Left, ot.Right} {
			_, ok := transformEdits(&x, &y, side == ot.Left)
			counts[editKind(&x)+"/"+editKind(&y)+" "+outcome(ok)]++
		}
		_, ok := composeEdits(&x, &z)
		counts["compose "+outcome(ok)]++
		if msg := fastMatchesGeneral(c.a, c.b, typed); msg != "" {
			t.Fatal(msg)
		}
	}
	for _, want := range []string{
		"insert/insert fast", "delete/insert fast", "format/insert fast",
		"insert/delete fast", "delete/delete fast", "delete/delete fallback", "format/delete fallback",
		"insert/format fast", "delete/format fast", "format/format fast", "format/format fallback",
		"compose fast", "compose fallback",
	} {
		if counts[want] < cases/200 {
			t.Errorf("%q: %d of %d cases, want at least 0.5%%", want, counts[want], cases)
		}
	}
	t.Logf("%v", counts)
}

func editKind(e *edit) string {
	switch e.e.kind {
	case kindDelete:
		return "delete"
	case kindRetain:
		return "format"
	}
	return "insert"
}

func outcome(ok bool) string {
	if ok {
		return "fast"
	}
	return "fallback"
}
