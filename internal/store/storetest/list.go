package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

func mustList(t *testing.T, s session.Store, collection, after string, limit int) []string {
	t.Helper()
	ids, err := s.List(context.Background(), collection, after, limit)
	if err != nil {
		t.Fatalf("List(%q, %q, %d): %v", collection, after, limit, err)
	}
	return ids
}

// testList checks ordering, paging, documents without ops, and that
// collections with shared name prefixes are kept apart.
func testList(t *testing.T, s session.Store) {
	for _, d := range []struct{ c, id string }{
		{"notes", "d"}, {"notes", "b"}, {"notes", "a\x00z"}, {"notes", "c"}, {"notes", "a"},
		{"note", "x"}, {"notes2", "y"}, {"notesa", "z"},
	} {
		mustWrite(t, s, commitOf(d.c, d.id, nil, createOp(0, "a", 1, 1000)))
	}
	// A snapshot alone does not make a document listable.
	if err := s.WriteSnapshot(context.Background(), "notes", "e", ot.Snapshot{Version: 0}); err != nil {
		t.Fatalf("WriteSnapshot(v0): %v", err)
	}
	for _, r := range []struct {
		c, after string
		limit    int
		want     []string
	}{
		{"notes", "", 100, []string{"a", "a\x00z", "b", "c", "d"}},
		{"notes", "", 2, []string{"a", "a\x00z"}},
		{"notes", "a\x00z", 2, []string{"b", "c"}},
		{"notes", "c", 2, []string{"d"}},
		{"notes", "d", 2, nil},
		{"notes", "bb", 10, []string{"c", "d"}},
		{"notes", "", 0, nil},
		{"note", "", 10, []string{"x"}},
		{"notes2", "", 10, []string{"y"}},
		{"notesa", "", 10, []string{"z"}},
		{"none", "", 10, nil},
	} {
		got := mustList(t, s, r.c, r.after, r.limit)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", r.want) {
			t.Errorf("List(%q, %q, %d) = %q, want %q", r.c, r.after, r.limit, got, r.want)
		}
	}
}

// testUnicode round-trips non-ASCII collection names, ids and data.
func testUnicode(t *testing.T, s session.Store) {
	coll, id := "文档", "📄 notes/été\u2028\u2029 👩‍👩‍👧"
	data := map[string]any{
		"text": "👩‍👩‍👧 𝒳 é \u2028 \" \\ \x01 \u00ff",
		"🔑":    []any{"☃", 1.5, nil, true, map[string]any{"ß": "𝄞"}},
	}
	create := ot.Op{Version: 0, Src: "客户端", Seq: 1, Ts: 1000, Create: &ot.Create{Type: jsonURI, Data: data}}
	edit := ot.Op{Version: 1, Src: "客户端", Seq: 2, Ts: 1001,
		Edit: []any{map[string]any{"p": []any{"text", 0.0}, "si": "😀\u2028"}}}
	snap := ot.Snapshot{Version: 2, Type: jsonURI, Data: data, Ts: 1001}
	mustWrite(t, s, commitOf(coll, id, &snap, create, edit))
	mustWrite(t, s, commitOf(coll, id+"x", nil, createOp(0, "a", 1, 1000)))

	sameOps(t, "Ops of a unicode doc", mustOps(t, s, coll, id, 0, -1), []ot.Op{create, edit})
	sameSnapshot(t, "Snapshot of a unicode doc", mustSnapshot(t, s, coll, id, -1), snap)
	checkHead(t, s, coll, id, 2)
	checkHead(t, s, coll, id+"x", 1)
	if got := mustList(t, s, coll, "", 10); len(got) != 2 || got[0] != id || got[1] != id+"x" {
		t.Errorf("List(%q) = %q, want [%q %q]", coll, got, id, id+"x")
	}
}

// testLargeData round-trips a 1 MB document in a create, an edit and a
// snapshot.
func testLargeData(t *testing.T, s session.Store) {
	big := strings.Repeat("abcdé😀\n", 1<<20/len("abcdé😀\n")+1)[:1<<20]
	big = strings.ToValidUTF8(big, "")
	create := ot.Op{Version: 0, Src: "a", Seq: 1, Ts: 1, Create: &ot.Create{Type: jsonURI, Data: map[string]any{"text": big}}}
	edit := ot.Op{Version: 1, Src: "a", Seq: 2, Ts: 2, Edit: []any{map[string]any{"p": []any{"text", 0.0}, "si": big}}}
	snap := ot.Snapshot{Version: 2, Type: jsonURI, Data: map[string]any{"text": big + big}, Ts: 2}
	mustWrite(t, s, commitOf("c", "big", &snap, create, edit))

	ops := mustOps(t, s, "c", "big", 0, -1)
	if len(ops) != 2 {
		t.Fatalf("Ops of the large doc: %d ops, want 2", len(ops))
	}
	if got, _ := ops[0].Create.Data.(map[string]any)["text"].(string); got != big {
		t.Errorf("large create data: %d bytes back, want the %d bytes written", len(got), len(big))
	}
	if got := fmt.Sprint(ops[1].Edit); got != fmt.Sprint(edit.Edit) {
		t.Errorf("large edit: %d bytes back (as text), want %d", len(got), len(fmt.Sprint(edit.Edit)))
	}
	gotSnap := mustSnapshot(t, s, "c", "big", -1)
	if got, _ := gotSnap.Data.(map[string]any)["text"].(string); got != big+big || gotSnap.Version != 2 {
		t.Errorf("large snapshot: v%d with %d bytes, want v2 with %d", gotSnap.Version, len(got), 2*len(big))
	}
}
