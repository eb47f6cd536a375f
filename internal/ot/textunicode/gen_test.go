package textunicode

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/oracle"
)

// Test generators: a port of the reference's test/genOp.js with Weft's
// wider alphabet (oracle.Text). Ops are valid for the document they are
// made against, normalised, with no trailing skip.

var astral = []string{"😅", "🤖", "👻", "🤟", "💃", "𝒳", "é", "中"}

func codePoints(s string) []string {
	out := make([]string, 0, len(s))
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		out = append(out, s[i:i+n])
		i += n
	}
	return out
}

// randomInt is the fuzzer's randomInt(n): 0..n-1, and 0 for n <= 0.
func randomInt(r *rand.Rand, n int) int {
	if n <= 0 {
		return 0
	}
	return r.IntN(n)
}

type opGen struct {
	r    *rand.Rand
	rest []string // the document's unconsumed code points
	op   []any
	out  strings.Builder
}

func (g *opGen) consume(n int) {
	g.out.WriteString(strings.Join(g.rest[:n], ""))
	g.rest = g.rest[n:]
}

func (g *opGen) addInsert() {
	skip := randomInt(g.r, min(len(g.rest), 5))
	var word string
	if randomInt(g.r, 5) > 0 {
		word = oracle.Text(g.r, 1+g.r.IntN(6)) + " "
	} else {
		word = astral[g.r.IntN(len(astral))]
	}
	g.op = append(g.op, float64(skip))
	g.consume(skip)
	g.op = append(g.op, word)
	g.out.WriteString(word)
}

func (g *opGen) addDelete() {
	skip := randomInt(g.r, min(len(g.rest), 5))
	g.op = append(g.op, float64(skip))
	g.consume(skip)
	n := randomInt(g.r, min(len(g.rest), 10))
	if randomInt(g.r, 2) > 0 {
		g.op = append(g.op, map[string]any{"d": float64(n)})
	} else {
		g.op = append(g.op, map[string]any{"d": strings.Join(g.rest[:n], "")})
	}
	g.rest = g.rest[n:]
}

// genOp returns a random op for doc (un-normalised and normalised) and the
// document it produces.
func genOp(r *rand.Rand, doc string) (raw []any, op Op, result string) {
	g := &opGen{r: r, rest: codePoints(doc), op: []any{}}
	initial := len(g.rest)
	for len(g.rest) > 0 {
		chance := 2
		if initial > 30 {
			chance = 3
		}
		if randomInt(r, chance) == 0 {
			g.addInsert()
		} else {
			g.addDelete()
		}
		if randomInt(r, 7) == 0 {
			break
		}
	}
	end := 10
	if len(g.rest) == 0 {
		end = 2
	}
	if randomInt(r, end) == 0 {
		g.addInsert()
	}
	g.out.WriteString(strings.Join(g.rest, ""))
	parsed, _ := parse(g.op)
	norm, err := normalize(parsed)
	if err != nil {
		panic("genOp: " + err.Error()) // a generator bug, not an input
	}
	return g.op, *norm, g.out.String()
}

// genDoc returns a random document, usually short.
func genDoc(r *rand.Rand) string {
	switch r.IntN(16) {
	case 0:
		return ""
	case 1:
		return oracle.Text(r, 60+r.IntN(100))
	}
	return oracle.Text(r, r.IntN(40))
}

// positions returns interesting cursor positions for op: every component
// boundary in the original document (insert points, delete and skip ends)
// plus a few random ones, including past the end.
func positions(r *rand.Rand, op Op, docLen int) []int {
	out := []int{0, docLen, docLen + 1, randomInt(r, docLen+3)}
	pos := 0
	for _, c := range op {
		switch c.k {
		case kSkip:
			pos += int(c.n)
		case kDelN, kDelS:
			out = append(out, pos)
			pos += int(dlen(c))
		}
		out = append(out, pos)
	}
	return out
}

// genEdit returns a random single-edit op for doc (an insert or a delete
// after an optional skip, the shape the fast paths take), in the raw and
// parsed forms, and the document it produces. near, when at least 0,
// draws the position within two code points of near, so that edits
// collide (same point, touching or overlapping ranges) often.
func genEdit(r *rand.Rand, doc string, near int) (raw []any, op Op, result string) {
	cps := codePoints(doc)
	pos := randomInt(r, len(cps)+1)
	if near >= 0 {
		pos = min(len(cps), max(0, near+r.IntN(5)-2))
	}
	raw = []any{}
	if pos > 0 {
		raw = append(raw, float64(pos))
	}
	rest := len(cps) - pos
	switch {
	case rest == 0 || r.IntN(2) == 0:
		word := oracle.Text(r, 1+randomInt(r, 3))
		if r.IntN(4) == 0 {
			word = astral[r.IntN(len(astral))]
		}
		raw = append(raw, word)
		result = strings.Join(cps[:pos], "") + word + strings.Join(cps[pos:], "")
	default:
		n := 1 + randomInt(r, min(rest, 6))
		if r.IntN(2) == 0 {
			raw = append(raw, map[string]any{"d": float64(n)})
		} else {
			raw = append(raw, map[string]any{"d": strings.Join(cps[pos:pos+n], "")})
		}
		result = strings.Join(cps[:pos], "") + strings.Join(cps[pos+n:], "")
	}
	op, err := parse(raw)
	if err != nil {
		panic("genEdit: " + err.Error()) // a generator bug, not an input
	}
	return raw, op, result
}

// editAt returns the code point offset where a single-edit op acts.
func editAt(op Op) int {
	if len(op) == 2 {
		return int(op[0].n)
	}
	return 0
}

// fastMatchesGeneral checks the fast paths against the general algorithm:
// transforms of a and b both ways and sides, and compose(a, c), must give
// the same JSON (shape included) by either route. It returns a
// description of the first difference, or "".
func fastMatchesGeneral(a, b, c Op) string {
	for _, p := range [][2]Op{{a, b}, {b, a}} {
		for _, left := range []bool{true, false} {
			if msg := sameResult("transform", p[0], p[1], func(x, y Op, general bool) (*Op, error) {
				if general {
					return transformAll(x, y, left)
				}
				return transform(x, y, left)
			}); msg != "" {
				return msg
			}
		}
	}
	return sameResult("compose", a, c, func(x, y Op, general bool) (*Op, error) {
		if general {
			return composeAll(x, y)
		}
		return compose(x, y)
	})
}

func sameResult(fn string, x, y Op, call func(x, y Op, general bool) (*Op, error)) string {
	fast, err1 := call(x, y, false)
	gen, err2 := call(x, y, true)
	if (err1 == nil) != (err2 == nil) {
		return fmt.Sprintf("%s(%v, %v): fast path error %v, general %v", fn, x, y, err1, err2)
	}
	if err1 != nil {
		return ""
	}
	if f, g := fast.String(), gen.String(); f != g {
		return fmt.Sprintf("%s(%v, %v): fast path %s, general %s", fn, x, y, f, g)
	}
	return ""
}
