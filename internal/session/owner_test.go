package session

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/pubsub"
)

// ownerObs counts what ownership does on one Manager.
type ownerObs struct {
	nopObserver
	forwarded, fellBack, committed atomic.Int64
}

func (o *ownerObs) SubmitForwarded()             { o.forwarded.Add(1) }
func (o *ownerObs) ForwardFellBack(n int)        { o.fellBack.Add(int64(n)) }
func (o *ownerObs) OpsCommitted(_ string, n int) { o.committed.Add(int64(n)) }

// lossyBus is a Memory bus (with its leases) whose publishes on the
// channels drop names are lost.
type lossyBus struct {
	*pubsub.Memory
	drop func(channel string) bool
}

func (b *lossyBus) Publish(ctx context.Context, ch string, msg []byte) error {
	if b.drop(ch) {
		return nil
	}
	return b.Memory.Publish(ctx, ch, msg)
}

func (b *lossyBus) PublishBatch(ctx context.Context, chs []string, msgs [][]byte) error {
	_, err := b.PublishBatchCount(ctx, chs, msgs)
	return err
}

// PublishBatchCount reports a lost message as received by one subscriber:
// lost after Redis counted it (a subscriber's connection dropped).
func (b *lossyBus) PublishBatchCount(ctx context.Context, chs []string, msgs [][]byte) ([]int64, error) {
	counts := make([]int64, len(chs))
	for i, ch := range chs {
		if b.drop(ch) {
			counts[i] = 1
			continue
		}
		n, err := b.Memory.PublishBatchCount(ctx, chs[i:i+1], msgs[i:i+1])
		if err != nil {
			return nil, err
		}
		counts[i] = n[0]
	}
	return counts, nil
}

// ownedEnvs starts n Managers on one store and one Memory bus; buses[i],
// when set, wraps the bus of Manager i.
func ownedEnvs(t *testing.T, n int, mod func(i int, o *Options), wrap func(i int, b *pubsub.Memory) PubSub) ([]*testEnv, []*ownerObs, *memStore) {
	t.Helper()
	st := newMemStore()
	bus := pubsub.NewMemory(0)
	t.Cleanup(func() { bus.Close() })
	envs := make([]*testEnv, n)
	obs := make([]*ownerObs, n)
	for i := range envs {
		obs[i] = &ownerObs{}
		var ps PubSub = bus
		if wrap != nil {
			if w := wrap(i, bus); w != nil {
				ps = w
			}
		}
		envs[i] = newEnvWith(t, st, ps, func(o *Options) {
			o.Observer = obs[i]
			if mod != nil {
				mod(i, o)
			}
		})
		if envs[i].m.owners == nil {
			t.Fatalf("manager %d: ownership is off", i)
		}
	}
	return envs, obs, st
}

// settleOwner makes envs[owner] take the lease of k and every Manager
// know it.
func settleOwner(t *testing.T, envs []*testEnv, k docKey, owner int) {
	t.Helper()
	want := envs[owner].m.instance
	waitFor(t, "the lease", func() bool { return envs[owner].m.owners.ownerOf(k) == want })
	for _, e := range envs {
		waitFor(t, "the owner known", func() bool { return e.m.owners.ownerOf(k) == want })
	}
}

// countSrcSeq returns how often the stored log of (c, id) holds (src, seq),
// and fails the test if its versions are not dense.
func countSrcSeq(t *testing.T, st *memStore, c, id, src string, seq int64) int {
	t.Helper()
	n := 0
	for i, op := range st.opsOf(c, id) {
		if op.Version != int64(i) {
			t.Fatalf("stored op %d has version %d", i, op.Version)
		}
		if op.Src == src && op.Seq == seq {
			n++
		}
	}
	return n
}

// storedOnce fails the test unless the stored log of (c, id) holds each
// (src, seq) exactly once (and has dense versions).
func storedOnce(t *testing.T, st *memStore, c, id, src string, seqs ...int64) {
	t.Helper()
	for _, seq := range seqs {
		if n := countSrcSeq(t, st, c, id, src, seq); n != 1 {
			t.Errorf("(%s, %d) stored %d times, want 1", src, seq, n)
		}
	}
}

const counterFetchV = `{"data":{"v":%d,"data":%d,"type":"` + counterURI + `"},"a":"f","c":"k","d":"x"}`

// createOwnedCounter creates k/x through e (client A) and returns A.
func createOwnedCounter(t *testing.T, e *testEnv) *tclient {
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"op","c":"k","d":"x","seq":1,"create":{"type":"test-counter","data":0}}`)
	a.expect(`{"src":"A","seq":1,"v":0,"a":"op","c":"k","d":"x"}`)
	return a
}

func TestForwardedSubmitAckedAtOrigin(t *testing.T) {
	envs, obs, st := ownedEnvs(t, 2, nil, nil)
	a := createOwnedCounter(t, envs[0])
	settleOwner(t, envs, docKey{"k", "x"}, 0)
	b := dial(t, envs[1], "B")
	b.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	b.expect(fmt.Sprintf(counterFetchV, 1, 0))
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":2,"op":5}`)
	a.expect(`{"src":"A","seq":2,"v":1,"a":"op","c":"k","d":"x"}`)
	committedBefore := obs[1].committed.Load()
	// B submits at v1, not having seen A's op: the owner commits it at
	// v2, and B gets A's op, then its ack, and no echo of its own op.
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":10}`)
	b.expect(`{"a":"op","c":"k","d":"x","v":1,"src":"A","seq":2,"op":5}`)
	b.expect(`{"src":"B","seq":1,"v":2,"a":"op","c":"k","d":"x"}`)
	b.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	b.expect(fmt.Sprintf(counterFetchV, 3, 15))
	if n := obs[1].forwarded.Load(); n != 1 {
		t.Errorf("forwarded %d submits, want 1", n)
	}
	if n := obs[1].committed.Load() - committedBefore; n != 0 {
		t.Errorf("the origin committed %d ops itself, want 0", n)
	}
	if n := obs[1].fellBack.Load(); n != 0 {
		t.Errorf("fell back %d times, want 0", n)
	}
	storedOnce(t, st, "k", "x", "B", 1)
	// A subscriber on the origin gets B's op as a broadcast.
	c := dial(t, envs[1], "C")
	c.sendRaw(`{"a":"s","c":"k","d":"x","v":3}`)
	c.expect(`{"a":"s","c":"k","d":"x"}`)
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":3,"seq":2,"op":1}`)
	b.expect(`{"src":"B","seq":2,"v":3,"a":"op","c":"k","d":"x"}`)
	c.expect(`{"a":"op","c":"k","d":"x","v":3,"src":"B","seq":2,"op":1}`)
}

func TestForwardedSubmitError(t *testing.T) {
	envs, obs, st := ownedEnvs(t, 2, nil, nil)
	createOwnedCounter(t, envs[0])
	settleOwner(t, envs, docKey{"k", "x"}, 0)
	b := dial(t, envs[1], "B")
	b.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	b.expect(fmt.Sprintf(counterFetchV, 1, 0))
	// Refused by the owner: the error comes back with the request echoed.
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":"ten"}`)
	b.expect(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":"ten","error":{"code":"` + CodeOpBadlyFormed + `","message":"invalid op: counter op must be a number"}}`)
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":7,"seq":2,"op":1}`)
	b.expect(`{"a":"op","c":"k","d":"x","v":7,"seq":2,"op":1,"error":{"code":"` + CodeVersionNewer + `","message":"Invalid op submitted. Op version newer than current snapshot"}}`)
	if n := obs[1].forwarded.Load(); n != 2 {
		t.Errorf("forwarded %d submits, want 2", n)
	}
	if n := len(st.opsOf("k", "x")); n != 1 {
		t.Errorf("stored %d ops, want 1", n)
	}
}

// TestForwardFallback: the owner never answers (its inbox loses every
// message, or its publish of the committed op is lost, or it is gone):
// the origin commits locally after ForwardTimeout, exactly once.
func TestForwardFallback(t *testing.T) {
	cases := []struct {
		name string
		// drop says which of Manager i's publishes are lost, given the
		// owner's instance id.
		drop func(i int, ch, owner string) bool
		// kill shuts the owner down before the submit.
		kill bool
		// timeout is the ForwardTimeout (default 50 ms).
		timeout time.Duration
	}{
		{name: "inbox drops", drop: func(i int, ch, owner string) bool { return i == 1 && ch == inboxPrefix+owner }},
		{name: "owner's publish lost", drop: func(i int, ch, owner string) bool { return i == 0 && ch == docChannel("k", "x") }},
		{name: "owner shut down", kill: true},
		// The forward reaches no subscriber of the stopped owner's inbox,
		// which the bus's count shows: committed at once, long before a
		// ForwardTimeout of a minute (expect gives up after seconds).
		{name: "owner gone, found at once", kill: true, timeout: time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var owner atomic.Value
			owner.Store("")
			envs, obs, st := ownedEnvs(t, 2, func(i int, o *Options) {
				o.ForwardTimeout = cmp.Or(tc.timeout, 50*time.Millisecond)
				o.LeaseDuration = time.Minute // the origin keeps forwarding to the owner it knows
				o.HeadCheckInterval = -1
			}, func(i int, b *pubsub.Memory) PubSub {
				if tc.drop == nil {
					return nil
				}
				return &lossyBus{Memory: b, drop: func(ch string) bool { return tc.drop(i, ch, owner.Load().(string)) }}
			})
			owner.Store(envs[0].m.instance)
			createOwnedCounter(t, envs[0])
			settleOwner(t, envs, docKey{"k", "x"}, 0)
			b := dial(t, envs[1], "B")
			b.sendRaw(`{"a":"f","c":"k","d":"x"}`)
			b.expect(fmt.Sprintf(counterFetchV, 1, 0))
			if tc.kill {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := envs[0].m.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
				if h := envs[1].m.opts.PubSub.(*pubsub.Memory).LeaseHolder(leaseKey(docKey{"k", "x"})); h != "" {
					t.Errorf("after the owner's Shutdown the lease is held by %q, want released", h)
				}
			}
			b.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":10}`)
			b.expect(`{"src":"B","seq":1,"v":1,"a":"op","c":"k","d":"x"}`)
			if n := obs[1].fellBack.Load(); n != 1 {
				t.Errorf("fell back %d times, want 1", n)
			}
			// The owner stays suspect: the next submit is committed
			// locally at once.
			b.sendRaw(`{"a":"op","c":"k","d":"x","v":2,"seq":2,"op":1}`)
			b.expect(`{"src":"B","seq":2,"v":2,"a":"op","c":"k","d":"x"}`)
			if n := obs[1].forwarded.Load(); n != 1 {
				t.Errorf("forwarded %d submits, want 1", n)
			}
			storedOnce(t, st, "k", "x", "B", 1, 2)
			b.sendRaw(`{"a":"f","c":"k","d":"x"}`)
			b.expect(fmt.Sprintf(counterFetchV, 3, 11))
		})
	}
}

// TestForwardedDuplicateAfterReconnect: a client whose forwarded submit
// was committed reconnects, through either instance, and resubmits it:
// acked at its original version, stored once.
func TestForwardedDuplicateAfterReconnect(t *testing.T) {
	envs, obs, st := ownedEnvs(t, 2, nil, nil)
	createOwnedCounter(t, envs[0])
	settleOwner(t, envs, docKey{"k", "x"}, 0)
	c := dial(t, envs[1], "C")
	c.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":10}`)
	waitFor(t, "the forwarded op committed", func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return len(st.doc("k", "x").ops) == 2
	})
	_ = c.ws.Close(websocket.StatusNormalClosure, "") // the ack is never read
	a := dial(t, envs[0], "A2")
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":2,"seq":1,"op":1}`)
	a.expect(`{"src":"A2","seq":1,"v":2,"a":"op","c":"k","d":"x"}`)
	// Through the owner: a local duplicate.
	c1 := dial(t, envs[0], "C")
	c1.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"src":"C","seq":1,"op":10}`)
	c1.expect(`{"src":"C","seq":1,"v":1,"a":"op","c":"k","d":"x"}`)
	// Through the other instance: forwarded, found a duplicate by the
	// owner, committed locally, which finds it too.
	c2 := dial(t, envs[1], "C")
	c2.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"src":"C","seq":1,"op":10}`)
	c2.expect(`{"src":"C","seq":1,"v":1,"a":"op","c":"k","d":"x"}`)
	if n := obs[1].forwarded.Load(); n != 2 {
		t.Errorf("forwarded %d submits, want 2", n)
	}
	storedOnce(t, st, "k", "x", "C", 1)
	if n := len(st.opsOf("k", "x")); n != 3 {
		t.Errorf("stored %d ops, want 3", n)
	}
}

// TestOwnedConvergence: clients on three Managers edit two documents at
// random; the submits of two of them go to the owner. Every client ends
// with the server's text, versions are dense and no (src, seq) is stored
// twice.
func TestOwnedConvergence(t *testing.T) {
	const perEnv, opsEach = 2, 25
	docs := []string{"d1", "d2"}
	envs, obs, st := ownedEnvs(t, 3, func(i int, o *Options) { o.SnapshotEvery = 7; o.TailSize = 16 }, nil)
	var sims []*simClient
	for di, doc := range docs {
		creator := dial(t, envs[di], "")
		creator.sendRaw(`{"a":"op","c":"t","d":"` + doc + `","seq":1,"create":{"type":"test-text","data":"start"}}`)
		creator.read()
		settleOwner(t, envs, docKey{"t", doc}, di)
		for ei, e := range envs {
			for j := 0; j < perEnv; j++ {
				c := dial(t, e, "")
				c.sendRaw(`{"a":"s","c":"t","d":"` + doc + `","v":null}`)
				r := c.read()
				data := r["data"].(map[string]any)
				sims = append(sims, &simClient{ws: c.ws, id: c.id, text: data["data"].(string), doc: doc,
					version: int64(data["v"].(float64)), rng: rand.New(rand.NewSource(int64(100*di + 10*ei + j)))})
			}
		}
	}
	runSims(t, sims, opsEach)
	var forwarded int64
	for _, o := range obs {
		forwarded += o.forwarded.Load()
	}
	if forwarded == 0 {
		t.Error("no submit was forwarded to its owner")
	}
	for _, doc := range docs {
		final, err := envs[0].m.Fetch(context.Background(), "t", doc)
		if err != nil {
			t.Fatal(err)
		}
		want := int64(1 + len(envs)*perEnv*opsEach)
		if final.Version != want {
			t.Errorf("%s: version = %d, want %d (every op applied once)", doc, final.Version, want)
		}
		var text string
		_ = json.Unmarshal(final.Data, &text)
		settleSims(t, doc, sims, final.Version, text)
		seen := make(map[srcSeq]bool)
		for i, op := range st.opsOf("t", doc) {
			if op.Version != int64(i) {
				t.Fatalf("%s: stored op %d has version %d", doc, i, op.Version)
			}
			k := srcSeq{op.Src, op.Seq}
			if seen[k] {
				t.Errorf("%s: (%s, %d) stored twice", doc, op.Src, op.Seq)
			}
			seen[k] = true
		}
	}
}

// TestOwnershipOff: without lease support, or with DisableOwnership,
// every instance commits its own clients' submits.
func TestOwnershipOff(t *testing.T) {
	bus := pubsub.NewMemory(0)
	t.Cleanup(func() { bus.Close() })
	st := newMemStore()
	if e := newEnvWith(t, st, bus, func(o *Options) { o.DisableOwnership = true }); e.m.owners != nil {
		t.Error("DisableOwnership: ownership on")
	}
	if e := newEnvWith(t, st, &failingBus{PubSub: bus}, nil); e.m.owners != nil {
		t.Error("a PubSub without leases: ownership on")
	}
	if e := newEnvWith(t, st, nil, nil); e.m.owners != nil {
		t.Error("no PubSub: ownership on")
	}
}

// TestForwardedSubmitAheadOfOwner: the origin has seen an op the owner has
// not (committed without a publish reaching the owner): the owner catches
// up from the store instead of refusing the submit as newer.
func TestForwardedSubmitAheadOfOwner(t *testing.T) {
	envs, obs, st := ownedEnvs(t, 2, func(i int, o *Options) { o.HeadCheckInterval = -1 }, nil)
	createOwnedCounter(t, envs[0])
	settleOwner(t, envs, docKey{"k", "x"}, 0)
	if _, err := st.Commit(context.Background(), []Commit{{Collection: "k", ID: "x",
		Ops: []ot.Op{{Version: 1, Src: "Z", Seq: 1, Edit: 5.0, Ts: 1}}}}); err != nil {
		t.Fatal(err)
	}
	b := dial(t, envs[1], "B")
	b.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	b.expect(fmt.Sprintf(counterFetchV, 2, 5))
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":2,"seq":1,"op":10}`)
	b.expect(`{"src":"B","seq":1,"v":2,"a":"op","c":"k","d":"x"}`)
	if n := obs[1].forwarded.Load(); n != 1 {
		t.Errorf("forwarded %d submits, want 1", n)
	}
	if n := obs[1].fellBack.Load(); n != 0 {
		t.Errorf("fell back %d times, want 0", n)
	}
}

// TestLeaseReleasedOnEviction: the owner releases a document's lease when
// the document closes; the next submit through another instance takes it.
func TestLeaseReleasedOnEviction(t *testing.T) {
	envs, _, _ := ownedEnvs(t, 2, func(i int, o *Options) {
		if i == 0 {
			o.IdleTimeout = 20 * time.Millisecond
		}
	}, nil)
	bus := envs[0].m.opts.PubSub.(*pubsub.Memory)
	k := docKey{"k", "x"}
	createOwnedCounter(t, envs[0])
	waitFor(t, "the lease", func() bool { return envs[0].m.owners.ownerOf(k) == envs[0].m.instance })
	waitFor(t, "the document closed", func() bool { return envs[0].m.OpenDocuments() == 0 })
	waitFor(t, "the lease released", func() bool { return bus.LeaseHolder(leaseKey(k)) == "" })
	b := dial(t, envs[1], "B")
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":1}`)
	b.expect(`{"src":"B","seq":1,"v":1,"a":"op","c":"k","d":"x"}`)
	waitFor(t, "the lease taken", func() bool { return bus.LeaseHolder(leaseKey(k)) == envs[1].m.instance })
}

// TestNotForwarded: an edit without a version (whose resubmit would not be
// recognised as a duplicate) is committed by the instance that received
// it, even when another owns the document.
func TestNotForwarded(t *testing.T) {
	envs, obs, st := ownedEnvs(t, 2, nil, nil)
	createOwnedCounter(t, envs[0])
	settleOwner(t, envs, docKey{"k", "x"}, 0)
	b := dial(t, envs[1], "B")
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":null,"seq":1,"op":3}`)
	b.expect(`{"src":"B","seq":1,"v":1,"a":"op","c":"k","d":"x"}`)
	if n := obs[1].forwarded.Load(); n != 0 {
		t.Errorf("forwarded %d submits, want 0", n)
	}
	if n := obs[1].committed.Load(); n != 1 {
		t.Errorf("the receiving instance committed %d ops, want 1", n)
	}
	storedOnce(t, st, "k", "x", "B", 1)
}

// TestOwnerGroupsForwardedWithLocal: the owner commits a forwarded submit
// and its own client's submit, waiting together, in one commit.
func TestOwnerGroupsForwardedWithLocal(t *testing.T) {
	envs, obs, st := ownedEnvs(t, 2, nil, nil)
	a := createOwnedCounter(t, envs[0])
	k := docKey{"k", "x"}
	settleOwner(t, envs, k, 0)
	b := dial(t, envs[1], "B")
	b.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	b.expect(fmt.Sprintf(counterFetchV, 1, 0))
	c := dial(t, envs[0], "C")
	st.mu.Lock()
	st.gate, st.entered = make(chan struct{}), make(chan struct{}, 1)
	st.mu.Unlock()
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":2,"op":1}`)
	<-st.entered // the owner's document waits in this commit
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":10}`)
	c.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":100}`)
	envs[0].m.mu.Lock()
	x := envs[0].m.docs[k]
	envs[0].m.mu.Unlock()
	waitFor(t, "the forwarded and the local submit in the owner's inbox", func() bool { return len(x.inbox) == 2 })
	st.gate <- struct{}{} // release the first commit
	<-st.entered          // the two waiting submits, in one commit
	st.mu.Lock()
	gate := st.gate
	st.gate = nil
	st.mu.Unlock()
	gate <- struct{}{}
	for _, cl := range []*tclient{b, c} {
		m := cl.read()
		for m["src"] != cl.id {
			m = cl.read() // the ops it missed
		}
		if m["v"] != 2.0 && m["v"] != 3.0 || m["op"] != nil {
			t.Errorf("%s: ack %v, want one at v2 or v3", cl.id, m)
		}
	}
	st.mu.Lock()
	n := len(st.opsPer)
	got := fmt.Sprint(st.opsPer[n-2:])
	st.mu.Unlock()
	if got != "[[1] [2]]" {
		t.Errorf("ops per commit per Store.Commit call = %s, want [[1] [2]]", got)
	}
	if n := obs[1].forwarded.Load(); n != 1 {
		t.Errorf("forwarded %d submits, want 1", n)
	}
	// Fetched from the owner, which committed both before acking: the
	// origin may answer a fetch before it has applied C's op (remote ops
	// and requests are separate queues of its document).
	c.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	c.expect(fmt.Sprintf(counterFetchV, 4, 111))
}

// TestExpiredOwnerEntryStillForwards: when what an instance knows of a
// document's owner has expired, it asks again and meanwhile goes on
// forwarding to the owner it knew, instead of committing locally (which
// would move the owner's head under it).
func TestExpiredOwnerEntryStillForwards(t *testing.T) {
	envs, obs, st := ownedEnvs(t, 2, nil, nil)
	createOwnedCounter(t, envs[0])
	k := docKey{"k", "x"}
	settleOwner(t, envs, k, 0)
	o := envs[1].m.owners
	o.mu.Lock()
	e := o.known[k]
	e.until = time.Now().Add(-time.Millisecond)
	o.known[k] = e
	o.mu.Unlock()
	b := dial(t, envs[1], "B")
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":10}`)
	b.expect(`{"src":"B","seq":1,"v":1,"a":"op","c":"k","d":"x"}`)
	if n := obs[1].forwarded.Load(); n != 1 {
		t.Errorf("forwarded %d submits, want 1", n)
	}
	if n := obs[1].committed.Load(); n != 0 {
		t.Errorf("the origin committed %d ops itself, want 0", n)
	}
	storedOnce(t, st, "k", "x", "B", 1)
	waitFor(t, "the owner known again", func() bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		return time.Now().Before(o.known[k].until)
	})
}

// TestDuplicateRepublished: the owner commits a forwarded submit and dies
// before publishing it (its publishes are lost), so a third instance's
// subscriber has no message showing it the op. The origin's fallback finds
// the op committed, acks it and publishes it again: the subscriber gets it
// without waiting for the periodic head check (off here).
func TestDuplicateRepublished(t *testing.T) {
	envs, obs, st := ownedEnvs(t, 3, func(i int, o *Options) {
		o.ForwardTimeout = 50 * time.Millisecond
		o.LeaseDuration = time.Minute
		o.HeadCheckInterval = -1
	}, func(i int, b *pubsub.Memory) PubSub {
		if i != 0 {
			return nil
		}
		return &lossyBus{Memory: b, drop: func(ch string) bool { return ch == docChannel("k", "x") }}
	})
	createOwnedCounter(t, envs[0])
	settleOwner(t, envs, docKey{"k", "x"}, 0)
	s := dial(t, envs[2], "S")
	s.sendRaw(`{"a":"s","c":"k","d":"x","v":1}`)
	s.expect(`{"a":"s","c":"k","d":"x"}`)
	b := dial(t, envs[1], "B")
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":10}`)
	b.expect(`{"src":"B","seq":1,"v":1,"a":"op","c":"k","d":"x"}`)
	if n := obs[1].fellBack.Load(); n != 1 {
		t.Errorf("fell back %d times, want 1", n)
	}
	storedOnce(t, st, "k", "x", "B", 1)
	s.expect(`{"a":"op","c":"k","d":"x","v":1,"src":"B","seq":1,"op":10}`)
	// Published again, the op is not applied twice anywhere.
	s.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	s.expect(fmt.Sprintf(counterFetchV, 2, 10))
}

// TestLeaseRenewed: the owner renews its lease every third of its length,
// so through many lease lengths of forwarded submits the other instance
// never takes the lease, never falls back and never commits itself
// (without renewal the lease would lapse and the forwarder would take it).
func TestLeaseRenewed(t *testing.T) {
	const lease = 150 * time.Millisecond
	envs, obs, st := ownedEnvs(t, 2, func(i int, o *Options) {
		o.LeaseDuration = lease
		o.HeadCheckInterval = -1
		o.OpRate = -1
	}, nil)
	bus := envs[0].m.opts.PubSub.(*pubsub.Memory)
	k := docKey{"k", "x"}
	createOwnedCounter(t, envs[0])
	settleOwner(t, envs, k, 0)
	committedBefore := obs[1].committed.Load()
	b := dial(t, envs[1], "B")
	start := time.Now()
	n := int64(0)
	// Bounded by time and count: five lease lengths and at least 20 ops.
	for time.Since(start) < 5*lease || n < 20 {
		if n == 5000 {
			t.Fatalf("%d ops in %v", n, time.Since(start))
		}
		n++
		b.sendRaw(fmt.Sprintf(`{"a":"op","c":"k","d":"x","v":%d,"seq":%d,"op":1}`, n, n))
		b.expect(fmt.Sprintf(`{"src":"B","seq":%d,"v":%d,"a":"op","c":"k","d":"x"}`, n, n))
	}
	if h := bus.LeaseHolder(leaseKey(k)); h != envs[0].m.instance {
		t.Errorf("after %v the lease is held by %q, want the owner %q", time.Since(start), h, envs[0].m.instance)
	}
	if c := obs[1].committed.Load() - committedBefore; c != 0 {
		t.Errorf("the forwarding instance committed %d of %d ops itself", c, n)
	}
	if f := obs[1].fellBack.Load(); f != 0 {
		t.Errorf("fell back %d times", f)
	}
	if f := obs[1].forwarded.Load(); f != n {
		t.Errorf("forwarded %d submits, want %d", f, n)
	}
	if got := int64(len(st.opsOf("k", "x"))); got != n+1 {
		t.Errorf("stored %d ops, want %d", got, n+1)
	}
}
