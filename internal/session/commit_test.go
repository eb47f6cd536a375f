package session

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/types"
)

// waitFor yields until cond holds (cond reads a channel length, which is
// safe concurrently); it fails the test after many rounds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 10_000_000; i++ {
		if cond() {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestGroupCommit(t *testing.T) {
	e := newEnv(t, nil)
	st := e.store
	a := dial(t, e, "A")
	for i, id := range []string{"x", "y", "z"} {
		a.send(map[string]any{"a": "op", "c": "k", "d": id, "seq": i + 1, "create": map[string]any{"type": "test-counter", "data": 0}})
		a.read()
	}
	st.mu.Lock()
	st.gate, st.entered = make(chan struct{}), make(chan struct{}, 1)
	st.mu.Unlock()

	// One op holds the store; three more for x queue in its inbox.
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":100,"op":1}`)
	<-st.entered
	clients := make([]*tclient, 3)
	for i := range clients {
		clients[i] = dial(t, e, fmt.Sprint("c", i))
		clients[i].send(map[string]any{"a": "op", "c": "k", "d": "x", "v": 1, "seq": 1, "op": 1})
	}
	x := e.m.docs[docKey{"k", "x"}]
	waitFor(t, "three submits in x's inbox", func() bool { return len(x.inbox) == 3 })
	st.gate <- struct{}{} // release the first commit
	<-st.entered          // x's three ops arrive as one commit
	// Meanwhile y and z commit; they wait in the shared committer.
	a.sendRaw(`{"a":"op","c":"k","d":"y","v":1,"seq":101,"op":1}`)
	a.sendRaw(`{"a":"op","c":"k","d":"z","v":1,"seq":102,"op":1}`)
	waitFor(t, "two queued commits", func() bool { return len(e.m.commits.reqs) == 2 })
	st.gate <- struct{}{}
	<-st.entered // y and z in one Store.Commit
	st.mu.Lock()
	gate := st.gate
	st.gate = nil
	st.mu.Unlock()
	gate <- struct{}{}

	for _, c := range clients {
		m := c.read()
		for m["a"] == "op" && m["src"] != c.id {
			m = c.read()
		}
		if m["v"] != 2.0 && m["v"] != 3.0 && m["v"] != 4.0 {
			t.Errorf("ack %v", m)
		}
	}
	// The acks of y and z come after their Store.Commit returned, which
	// recorded it.
	acked := map[float64]bool{}
	for i := 0; i < 10 && !(acked[101] && acked[102]); i++ {
		if m := a.read(); m["a"] == "op" {
			seq, _ := m["seq"].(float64)
			acked[seq] = true
		}
	}
	if !acked[101] || !acked[102] {
		t.Fatalf("acks of y and z not seen (got %v)", acked)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	n := len(st.opsPer)
	if got := fmt.Sprint(st.opsPer[n-3:]); got != "[[1] [3] [1 1]]" {
		t.Errorf("ops per commit per Store.Commit call = %s, want [[1] [3] [1 1]]", got)
	}
}

func TestCommitConflictRetries(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HeadCheckInterval = -1 })
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"op","c":"k","d":"t","seq":1,"create":{"type":"test-text","data":"ab"}}`)
	a.read()
	// Another instance commits v1 behind this Manager's back (no PubSub).
	ok, err := e.store.Commit(t.Context(), []Commit{{Collection: "k", ID: "t", Ops: []ot.Op{
		{Version: 1, Src: "other", Seq: 1, Edit: map[string]any{"p": 0.0, "i": "X"}, Ts: 1},
	}}})
	if err != nil || !ok[0] {
		t.Fatalf("direct commit: %v %v", ok, err)
	}
	// A's op at v1 loses the version race, is transformed over the other
	// instance's op and committed at v2; A first receives the op it missed.
	a.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":2,"op":{"p":2,"i":"!"}}`)
	a.expect(`{"a":"op","c":"k","d":"t","v":1,"src":"other","seq":1,"op":{"i":"X","p":0}}`)
	a.expect(`{"src":"A","seq":2,"v":2,"a":"op","c":"k","d":"t"}`)
	s, err := e.m.Fetch(t.Context(), "k", "t")
	if err != nil || string(s.Data) != `"Xab!"` || s.Version != 3 {
		t.Errorf("snapshot = %s v%d, %v; want \"Xab!\" v3", s.Data, s.Version, err)
	}
}

// TestCommitConflictRebases: on a type with persistent snapshots, a batch
// that loses the version race is rolled back and transformed over the ops
// it missed, read from the store, without reloading the document's
// snapshot; everyone ends on the same text.
func TestCommitConflictRebases(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HeadCheckInterval = -1 })
	a := dial(t, e, "A")
	b := dial(t, e, "B")
	a.sendRaw(`{"a":"op","c":"k","d":"t","seq":1,"create":{"type":"test-ptext","data":"ab"}}`)
	a.read()
	b.sendRaw(`{"a":"s","c":"k","d":"t"}`)
	b.read()
	e.store.mu.Lock()
	reads := e.store.snapReads
	e.store.mu.Unlock()
	for v := int64(1); v <= 2; v++ {
		ok, err := e.store.Commit(t.Context(), []Commit{{Collection: "k", ID: "t", Ops: []ot.Op{
			{Version: v, Src: "other", Seq: v, Edit: map[string]any{"p": 0.0, "i": "X"}, Ts: 1},
		}}})
		if err != nil || !ok[0] {
			t.Fatalf("direct commit: %v %v", ok, err)
		}
	}
	a.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":2,"op":{"p":2,"i":"!"}}`)
	a.expect(`{"a":"op","c":"k","d":"t","v":1,"src":"other","seq":1,"op":{"i":"X","p":0}}`)
	a.expect(`{"a":"op","c":"k","d":"t","v":2,"src":"other","seq":2,"op":{"i":"X","p":0}}`)
	a.expect(`{"src":"A","seq":2,"v":3,"a":"op","c":"k","d":"t"}`)
	// B, subscribed on this instance, receives the missed ops and A's op.
	b.expect(`{"a":"op","c":"k","d":"t","v":1,"src":"other","seq":1,"op":{"i":"X","p":0}}`)
	b.expect(`{"a":"op","c":"k","d":"t","v":2,"src":"other","seq":2,"op":{"i":"X","p":0}}`)
	b.expect(`{"a":"op","c":"k","d":"t","v":3,"src":"A","seq":2,"op":{"i":"!","p":4}}`)
	s, err := e.m.Fetch(t.Context(), "k", "t")
	if err != nil || string(s.Data) != `"XXab!"` || s.Version != 4 {
		t.Errorf("snapshot = %s v%d, %v; want \"XXab!\" v4", s.Data, s.Version, err)
	}
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	if e.store.snapReads != reads {
		t.Errorf("the lost race read the snapshot %d times; want a rollback without a reload", e.store.snapReads-reads)
	}
}

// TestCommitConflictRebasesInStore: with a store that honours
// Commit.Rebase, the lost race is resolved inside the one Store.Commit
// call: the document is handed the ops it missed, transforms its batch over
// them and the store writes the result, with no further store read and no
// second commit. rich-text snapshots are persistent too, so a rich-text
// batch takes the same path.
func TestCommitConflictRebasesInStore(t *testing.T) {
	for _, tc := range []struct {
		name     string
		registry *ot.Registry
		create   string // the create message's "create" value
		other    any    // the other instance's op (a JSON tree), committed at v1 and v2
		otherJS  string // its JSON as subscribers receive it
		submit   string // A's op at v1
		rebased  string // A's op as B receives it, after the rebase
		want     string // the snapshot's JSON at v4
	}{
		{"text", testRegistry(), `{"type":"test-ptext","data":"ab"}`,
			map[string]any{"p": 0.0, "i": "X"}, `{"i":"X","p":0}`,
			`{"p":2,"i":"!"}`, `{"i":"!","p":4}`, `"XXab!"`},
		{"rich-text", types.Registry(), `{"type":"rich-text","data":[{"insert":"ab"}]}`,
			[]any{map[string]any{"insert": "X"}}, `[{"insert":"X"}]`,
			`[{"retain":2},{"insert":"!","attributes":{"bold":true}}]`,
			`{"ops":[{"retain":4},{"insert":"!","attributes":{"bold":true}}]}`,
			`{"ops":[{"insert":"XXab"},{"attributes":{"bold":true},"insert":"!"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.HeadCheckInterval, o.Registry = -1, tc.registry })
			e.store.mu.Lock()
			e.store.rebases = true
			e.store.mu.Unlock()
			a := dial(t, e, "A")
			b := dial(t, e, "B")
			a.sendRaw(`{"a":"op","c":"k","d":"t","seq":1,"create":` + tc.create + `}`)
			a.read()
			b.sendRaw(`{"a":"s","c":"k","d":"t"}`)
			b.read()
			for v := int64(1); v <= 2; v++ {
				ok, err := e.store.Commit(t.Context(), []Commit{{Collection: "k", ID: "t", Ops: []ot.Op{
					{Version: v, Src: "other", Seq: v, Edit: tc.other, Ts: 1},
				}}})
				if err != nil || !ok[0] {
					t.Fatalf("direct commit: %v %v", ok, err)
				}
			}
			e.store.mu.Lock()
			commits, reads := e.store.commits, e.store.snapReads+e.store.opsReads
			e.store.mu.Unlock()
			missed := func(v int) string {
				return fmt.Sprintf(`{"a":"op","c":"k","d":"t","v":%d,"src":"other","seq":%d,"op":%s}`, v, v, tc.otherJS)
			}
			a.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":2,"op":` + tc.submit + `}`)
			a.expect(missed(1))
			a.expect(missed(2))
			a.expect(`{"src":"A","seq":2,"v":3,"a":"op","c":"k","d":"t"}`)
			b.expect(missed(1))
			b.expect(missed(2))
			b.expect(`{"a":"op","c":"k","d":"t","v":3,"src":"A","seq":2,"op":` + tc.rebased + `}`)
			e.store.mu.Lock()
			if n := e.store.commits - commits; n != 1 {
				t.Errorf("the conflicting submit took %d Store.Commit calls, want 1", n)
			}
			if n := e.store.snapReads + e.store.opsReads - reads; n != 0 {
				t.Errorf("the conflicting submit read the store %d times, want 0", n)
			}
			e.store.mu.Unlock()
			s, err := e.m.Fetch(t.Context(), "k", "t")
			if err != nil || string(s.Data) != tc.want || s.Version != 4 {
				t.Errorf("snapshot = %s v%d, %v; want %s v4", s.Data, s.Version, err, tc.want)
			}
		})
	}
}

// TestRebaseTakesWaitingSubmits: submits that reach the document while its
// commit waits (here: held in the store) join the commit when it is
// rebased, so one Store.Commit carries them all.
func TestRebaseTakesWaitingSubmits(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HeadCheckInterval = -1 })
	st := e.store
	st.mu.Lock()
	st.rebases = true
	st.mu.Unlock()
	a := dial(t, e, "A")
	b := dial(t, e, "B")
	a.sendRaw(`{"a":"op","c":"k","d":"t","seq":1,"create":{"type":"test-ptext","data":"ab"}}`)
	a.read()
	b.sendRaw(`{"a":"s","c":"k","d":"t"}`)
	b.read()
	ok, err := st.Commit(t.Context(), []Commit{{Collection: "k", ID: "t", Ops: []ot.Op{
		{Version: 1, Src: "other", Seq: 1, Edit: map[string]any{"p": 0.0, "i": "X"}, Ts: 1},
	}}})
	if err != nil || !ok[0] {
		t.Fatalf("direct commit: %v %v", ok, err)
	}
	st.mu.Lock()
	st.gate, st.entered = make(chan struct{}), make(chan struct{}, 1)
	commits := st.commits
	st.mu.Unlock()
	a.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":2,"op":{"p":2,"i":"!"}}`)
	<-st.entered // A's commit is held in the store
	b.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":1,"op":{"p":0,"i":"?"}}`)
	doc := e.m.docs[docKey{"k", "t"}]
	waitFor(t, "B's submit in the inbox", func() bool { return len(doc.inbox) == 1 })
	st.mu.Lock()
	gate := st.gate
	st.gate = nil
	st.mu.Unlock()
	gate <- struct{}{}
	a.expect(`{"a":"op","c":"k","d":"t","v":1,"src":"other","seq":1,"op":{"i":"X","p":0}}`)
	a.expect(`{"src":"A","seq":2,"v":2,"a":"op","c":"k","d":"t"}`)
	st.mu.Lock()
	n, last := st.commits-commits, st.opsPer[len(st.opsPer)-1]
	st.mu.Unlock()
	if n != 1 || fmt.Sprint(last) != "[1]" {
		t.Errorf("Store.Commit calls = %d, last carried %v; want 1 call (the original commit of one op, rebased to two)", n, last)
	}
	s, err := e.m.Fetch(t.Context(), "k", "t")
	if err != nil || s.Version != 4 || string(s.Data) != `"?Xab!"` {
		t.Errorf("snapshot = %s v%d, %v; want \"?Xab!\" v4 (both ops in the one commit)", s.Data, s.Version, err)
	}
}
