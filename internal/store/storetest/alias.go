package storetest

import (
	"context"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

// tree returns a fresh nested JSON tree.
func tree() map[string]any {
	return map[string]any{"list": []any{"a", map[string]any{"k": "v"}}, "n": 1.0}
}

// scribble mutates a tree made by tree() in place.
func scribble(v any) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	if l, ok := m["list"].([]any); ok && len(l) == 2 {
		l[0] = "mutated"
		if inner, ok := l[1].(map[string]any); ok {
			inner["k"] = "mutated"
		}
	}
	m["added"] = true
}

// testNotAliased checks that neither the values handed to the store nor the
// values it returns share state with it.
func testNotAliased(t *testing.T, s session.Store) {
	ctx := context.Background()
	create := ot.Op{Version: 0, Src: "a", Seq: 1, Ts: 1, Create: &ot.Create{Type: jsonURI, Data: tree()}}
	edit := ot.Op{Version: 1, Src: "a", Seq: 2, Ts: 2, Edit: []any{tree()}}
	snap := ot.Snapshot{Version: 2, Type: jsonURI, Data: tree(), Ts: 2}
	mustWrite(t, s, commitOf("c", "d", &snap, create, edit))
	older := ot.Snapshot{Version: 1, Type: jsonURI, Data: tree(), Ts: 1}
	if err := s.WriteSnapshot(ctx, "c", "d", older); err != nil {
		t.Fatalf("WriteSnapshot: %v", err)
	}
	// Mutate what was handed in.
	scribble(create.Create.Data)
	scribble(edit.Edit.([]any)[0])
	scribble(snap.Data)
	scribble(older.Data)
	wantOps := []ot.Op{
		{Version: 0, Src: "a", Seq: 1, Ts: 1, Create: &ot.Create{Type: jsonURI, Data: tree()}},
		{Version: 1, Src: "a", Seq: 2, Ts: 2, Edit: []any{tree()}},
	}
	wantSnap := ot.Snapshot{Version: 2, Type: jsonURI, Data: tree(), Ts: 2}
	wantOlder := ot.Snapshot{Version: 1, Type: jsonURI, Data: tree(), Ts: 1}
	sameOps(t, "Ops after mutating the inputs", mustOps(t, s, "c", "d", 0, -1), wantOps)
	sameSnapshot(t, "Snapshot after mutating the input", mustSnapshot(t, s, "c", "d", -1), wantSnap)
	sameSnapshot(t, "older Snapshot after mutating the input", mustSnapshot(t, s, "c", "d", 1), wantOlder)

	// Mutate what came out, then read again.
	got := mustOps(t, s, "c", "d", 0, -1)
	scribble(got[0].Create.Data)
	if e, ok := got[1].Edit.([]any); ok && len(e) == 1 {
		scribble(e[0])
	}
	scribble(mustSnapshot(t, s, "c", "d", -1).Data)
	sameOps(t, "Ops after mutating returned ops", mustOps(t, s, "c", "d", 0, -1), wantOps)
	sameSnapshot(t, "Snapshot after mutating a returned one", mustSnapshot(t, s, "c", "d", -1), wantSnap)
}
