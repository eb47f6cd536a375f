package session

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/weftdev/weft/internal/ot"
)

// simClient follows ShareDB's client rules for one text document: one op
// in flight, remote ops transformed against it, duplicates dropped by
// version.
type simClient struct {
	ws      *websocket.Conn
	id      string
	text    string
	version int64
	seq     int64
	flight  *textOp
	rng     *rand.Rand
	doc     string // the document in collection t ("" is "doc")
}

func (s *simClient) write(v any) error {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.ws.Write(ctx, websocket.MessageText, b)
}

func (s *simClient) readMsg() (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, b, err := s.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

var sampleText = []string{"a", "b", "é", "中", "😀", "xyz", "\n", "👩‍👩‍👧"}

func (s *simClient) submitRandom() error {
	n := utf8.RuneCountInString(s.text)
	var op textOp
	if n > 0 && s.rng.Intn(3) == 0 {
		op = textOp{p: s.rng.Intn(n), del: 1}
	} else {
		op = textOp{p: s.rng.Intn(n + 1), ins: sampleText[s.rng.Intn(len(sampleText))]}
	}
	nt, err := textType{}.Apply(s.text, op.json())
	if err != nil {
		return err
	}
	s.text = nt.(string)
	s.seq++
	s.flight = &op
	doc := s.doc
	if doc == "" {
		doc = "doc"
	}
	return s.write(map[string]any{"a": "op", "c": "t", "d": doc, "v": s.version, "seq": s.seq, "op": op.json()})
}

// handle processes one server message.
func (s *simClient) handle(m map[string]any) error {
	if m["a"] != "op" {
		return fmt.Errorf("unexpected message %v", m)
	}
	v := int64(m["v"].(float64))
	if s.flight != nil && m["src"] == s.id && int64(m["seq"].(float64)) == s.seq {
		if v != s.version {
			return fmt.Errorf("ack at v%d, client at v%d", v, s.version)
		}
		s.flight = nil
		s.version++
		return nil
	}
	if v < s.version {
		return nil
	}
	if v > s.version {
		return fmt.Errorf("gap: op v%d at client v%d", v, s.version)
	}
	remote, err := parseTextOp(m["op"])
	if err != nil {
		return err
	}
	if s.flight != nil {
		r2 := transformText(remote, *s.flight, ot.Right)
		f2 := transformText(*s.flight, remote, ot.Left)
		remote, s.flight = r2, &f2
	}
	nt, err := textType{}.Apply(s.text, remote.json())
	if err != nil {
		return err
	}
	s.text = nt.(string)
	s.version++
	return nil
}

func (s *simClient) run(ops int) error {
	for sent := 0; sent < ops || s.flight != nil; {
		if s.flight == nil {
			if err := s.submitRandom(); err != nil {
				return err
			}
			sent++
		}
		m, err := s.readMsg()
		if err != nil {
			return err
		}
		if err := s.handle(m); err != nil {
			return err
		}
	}
	return nil
}

func TestConvergence(t *testing.T) {
	const clients, opsEach = 5, 40
	e := newEnv(t, func(o *Options) { o.SnapshotEvery = 7; o.TailSize = 16 })
	creator := dial(t, e, "")
	creator.sendRaw(`{"a":"op","c":"t","d":"doc","seq":1,"create":{"type":"test-text","data":"start"}}`)
	creator.read()
	sims := make([]*simClient, clients)
	for i := range sims {
		c := dial(t, e, "")
		c.sendRaw(`{"a":"s","c":"t","d":"doc","v":null}`)
		r := c.read()
		data := r["data"].(map[string]any)
		sims[i] = &simClient{ws: c.ws, id: c.id, text: data["data"].(string),
			version: int64(data["v"].(float64)), rng: rand.New(rand.NewSource(int64(i)))}
	}
	runSims(t, sims, opsEach)
	final, err := e.m.Fetch(context.Background(), "t", "doc")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1 + clients*opsEach); final.Version != want {
		t.Errorf("version = %d, want %d (every op applied once)", final.Version, want)
	}
	var text string
	_ = json.Unmarshal(final.Data, &text)
	settleSims(t, "", sims, final.Version, text)
	ops := e.store.opsOf("t", "doc")
	for i, op := range ops {
		if op.Version != int64(i) {
			t.Fatalf("stored op %d has version %d", i, op.Version)
		}
	}
	if int64(len(ops)) != final.Version {
		t.Errorf("stored %d ops, version %d", len(ops), final.Version)
	}
	// A fresh load from the store (snapshots + ops) gives the same text.
	s, err := e.m.SnapshotAt(context.Background(), "t", "doc", final.Version)
	if err != nil || string(s.Data) != string(final.Data) {
		t.Errorf("SnapshotAt(head) = %s, %v; want %s", s.Data, err, final.Data)
	}
}

func TestDuplicateAfterReconnect(t *testing.T) {
	e := newEnv(t, nil)
	a := dial(t, e, "")
	a.sendRaw(`{"a":"op","c":"k","d":"x","seq":1,"create":{"type":"test-counter","data":0}}`)
	a.read()
	// The ack of seq 2 is never read: the client drops the connection.
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":2,"op":10}`)
	_ = a.ws.Close(websocket.StatusNormalClosure, "")
	b := dial(t, e, "")
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":null,"seq":1,"op":1}`)
	b.read()
	// Reconnect with the old id and resubmit seq 2 at its old version: the
	// op is acknowledged at the version it was committed at.
	a2 := dial(t, e, a.id)
	a2.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"src":"` + a.id + `","seq":2,"op":10}`)
	a2.expect(`{"src":"` + a.id + `","seq":2,"v":1,"a":"op","c":"k","d":"x"}`)
	a2.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	a2.expect(`{"data":{"v":3,"data":11,"type":"` + counterURI + `"},"a":"f","c":"k","d":"x"}`)
	if n := len(e.store.opsOf("k", "x")); n != 3 {
		t.Errorf("stored %d ops, want 3 (the duplicate not applied)", n)
	}
}

func TestDuplicateBeyondTail(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TailSize = 2 })
	a := dial(t, e, "src-a")
	a.sendRaw(`{"a":"op","c":"k","d":"x","seq":1,"create":{"type":"test-counter","data":0}}`)
	a.read()
	for i := 2; i <= 8; i++ {
		a.send(map[string]any{"a": "op", "c": "k", "d": "x", "v": i - 1, "seq": i, "op": 1})
		a.read()
	}
	// seq 3 (at v2) is no longer in the in-memory tail: the store is read.
	// The ops before it in the window are sent first, then the ack.
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"src":"src-a","seq":3,"op":1}`)
	a.expect(`{"a":"op","c":"k","d":"x","v":1,"src":"src-a","seq":2,"op":1}`)
	a.expect(`{"src":"src-a","seq":3,"v":2,"a":"op","c":"k","d":"x"}`)
	// The create, resubmitted without a version, is found at v0 in the store.
	a.sendRaw(`{"a":"op","c":"k","d":"x","src":"src-a","seq":1,"create":{"type":"test-counter","data":0}}`)
	a.expect(`{"src":"src-a","seq":1,"v":0,"a":"op","c":"k","d":"x"}`)
	if n := len(e.store.opsOf("k", "x")); n != 8 {
		t.Errorf("stored %d ops, want 8", n)
	}
}

// runSims runs sims concurrently, opsEach ops each, and fails the test on
// the first error.
func runSims(t *testing.T, sims []*simClient, opsEach int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(sims))
	for _, s := range sims {
		wg.Go(func() { errs <- s.run(opsEach) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// settleSims has each of sims (those of doc, unless doc is "") read until
// it reaches version v, and checks that it then holds text.
func settleSims(t *testing.T, doc string, sims []*simClient, v int64, text string) {
	t.Helper()
	for i, s := range sims {
		if doc != "" && s.doc != doc {
			continue
		}
		for s.version < v {
			m, err := s.readMsg()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.handle(m); err != nil {
				t.Fatal(err)
			}
		}
		if s.text != text {
			t.Errorf("%s: client %d has %q, server %q", doc, i, s.text, text)
		}
	}
}
