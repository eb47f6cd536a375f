package session

import (
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// commitBehind commits an op at version v as another instance would,
// without this Manager hearing of it.
func commitBehind(t *testing.T, st *memStore, v int64, seq int64, ins string) {
	t.Helper()
	ok, err := st.Commit(t.Context(), []Commit{{Collection: "k", ID: "t", Ops: []ot.Op{
		{Version: v, Src: "other", Seq: seq, Edit: map[string]any{"p": 0.0, "i": ins}, Ts: 1},
	}}})
	if err != nil || !ok[0] {
		t.Fatalf("direct commit: %v %v", ok, err)
	}
}

// A lost commit race reloads the document; subscribers other than the
// submitter must still be sent the ops the reload found, before the op
// committed after it (they used to get only the latter, and a subscriber
// that saw nothing more stayed behind).
func TestLostRaceSendsReloadedOpsToSubscribers(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HeadCheckInterval = -1 })
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"op","c":"k","d":"t","seq":1,"create":{"type":"test-text","data":"ab"}}`)
	a.read()
	b := dial(t, e, "B")
	b.sendRaw(`{"a":"s","c":"k","d":"t","v":1}`)
	b.expect(`{"a":"s","c":"k","d":"t"}`)
	commitBehind(t, e.store, 1, 1, "X")
	a.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":2,"op":{"p":2,"i":"!"}}`)
	a.expect(`{"a":"op","c":"k","d":"t","v":1,"src":"other","seq":1,"op":{"i":"X","p":0}}`)
	a.expect(`{"src":"A","seq":2,"v":2,"a":"op","c":"k","d":"t"}`)
	b.expect(`{"a":"op","c":"k","d":"t","v":1,"src":"other","seq":1,"op":{"i":"X","p":0}}`)
	b.expect(`{"a":"op","c":"k","d":"t","v":2,"src":"A","seq":2,"op":{"i":"!","p":3}}`)
}

// A commit that fails because the store is down leaves the document
// unloaded. Once the store is back, a resync (or head check) must reload
// it and send its subscribers what was committed meanwhile; it used to
// stay unloaded, ignoring resyncs and remote ops, until a client's next
// request.
func TestStoreOutageReloadsOnResync(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HeadCheckInterval = -1 })
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"op","c":"k","d":"t","seq":1,"create":{"type":"test-text","data":"ab"}}`)
	a.read()
	b := dial(t, e, "B")
	b.sendRaw(`{"a":"s","c":"k","d":"t","v":1}`)
	b.expect(`{"a":"s","c":"k","d":"t"}`)
	e.store.setDown(true)
	a.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":2,"op":{"p":2,"i":"!"}}`)
	if m := a.read(); m["error"] == nil {
		t.Fatalf("submit while the store is down = %v, want an error", m)
	}
	e.store.setDown(false)
	commitBehind(t, e.store, 1, 1, "X")
	e.m.Resync()
	b.expect(`{"a":"op","c":"k","d":"t","v":1,"src":"other","seq":1,"op":{"i":"X","p":0}}`)
}
