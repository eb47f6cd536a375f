package session

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/types"
)

// TestLargeTextDocument grows a text-unicode document well past 8 KB,
// where its snapshot becomes a chunked *Text rather than a string, editing
// it all over, and checks what a fetch sees, then what a second instance
// loading it from the store sees and does with it.
func TestLargeTextDocument(t *testing.T) {
	st := newMemStore()
	reg := types.Registry()
	opts := func(o *Options) { o.Registry = reg }
	e := newEnvWith(t, st, nil, opts)
	a := dial(t, e, "A")
	want := ""
	seq, v := 0, 0
	submit := func(c *tclient, at int, change any) {
		t.Helper()
		op := []any{change}
		if at > 0 {
			op = []any{float64(at), change}
		}
		seq++
		c.send(map[string]any{"a": "op", "c": "k", "d": "big", "v": v, "seq": seq, "op": op})
		if r := c.read(); r["error"] != nil {
			t.Fatalf("op v%d %v: %v", v, op, r)
		}
		v++
	}
	check := func(e *testEnv) {
		t.Helper()
		s, err := e.m.Fetch(context.Background(), "k", "big")
		if err != nil {
			t.Fatal(err)
		}
		if w, _ := ot.Marshal(want); s.Version != int64(v) || string(s.Data) != string(w) {
			t.Fatalf("fetched v%d, %d bytes; want v%d, %d bytes", s.Version, len(s.Data), v, len(w))
		}
	}
	seq++
	a.send(map[string]any{"a": "op", "c": "k", "d": "big", "seq": seq, "create": map[string]any{"type": "text-unicode", "data": ""}})
	a.read()
	v = 1
	piece := strings.Repeat("plain text \"quoted\" é中😀 👩‍💻\n\u2028", 20)
	for i := range 60 {
		n := utf8.RuneCountInString(want)
		at := (i * 7919) % (n + 1)
		if i%4 == 3 && n > 100 {
			submit(a, at/2, map[string]any{"d": 90.0})
			rs := []rune(want)
			want = string(rs[:at/2]) + string(rs[at/2+90:])
			continue
		}
		submit(a, at, piece)
		rs := []rune(want)
		want = string(rs[:at]) + piece + string(rs[at:])
	}
	if len(want) < 16<<10 {
		t.Fatalf("document has only %d bytes", len(want))
	}
	check(e)
	// A second instance on the same store loads the document and edits it.
	e2 := newEnvWith(t, st, nil, opts)
	check(e2)
	b := dial(t, e2, "B")
	submit(b, 5, "from B")
	rs := []rune(want)
	want = string(rs[:5]) + "from B" + string(rs[5:])
	check(e2)
}
