package session

import (
	"context"
	"testing"
)

func TestCreateSubmitFetch(t *testing.T) {
	e := newEnv(t, nil)
	a := dial(t, e, "")
	b := dial(t, e, "my-own-src")
	if b.id != "my-own-src" {
		t.Fatalf("hs id = %q, want the client's id adopted", b.id)
	}
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":null,"seq":1,"x":{},"create":{"type":"test-text","data":"hi"}}`)
	a.expect(`{"src":"` + a.id + `","seq":1,"v":0,"a":"op","c":"k","d":"x"}`)
	b.sendRaw(`{"a":"s","c":"k","d":"x","v":null}`)
	b.expect(`{"data":{"v":1,"data":"hi","type":"` + textURI + `"},"a":"s","c":"k","d":"x"}`)
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":2,"x":{},"op":{"p":2,"i":"!"}}`)
	a.expect(`{"src":"` + a.id + `","seq":2,"v":1,"a":"op","c":"k","d":"x"}`)
	b.expect(`{"a":"op","c":"k","d":"x","v":1,"src":"` + a.id + `","seq":2,"op":{"i":"!","p":2}}`)
	// b is behind nothing; a stale op from b is transformed and b first
	// receives what it missed (a's op again is not sent: b's op is at v2).
	b.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":1,"x":{},"op":{"p":0,"i":">"}}`)
	b.expect(`{"a":"op","c":"k","d":"x","v":1,"src":"` + a.id + `","seq":2,"op":{"i":"!","p":2}}`)
	b.expect(`{"src":"my-own-src","seq":1,"v":2,"a":"op","c":"k","d":"x"}`)
	a.sendRaw(`{"a":"f","c":"k","d":"x","v":null}`)
	a.expect(`{"data":{"v":3,"data":">hi!","type":"` + textURI + `"},"a":"f","c":"k","d":"x"}`)
	// f with a version streams the ops, then a data-less reply.
	a.sendRaw(`{"a":"f","c":"k","d":"x","v":2}`)
	a.expect(`{"a":"op","c":"k","d":"x","v":2,"src":"my-own-src","seq":1,"op":{"i":">","p":0}}`)
	a.expect(`{"a":"f","c":"k","d":"x"}`)
	a.sendRaw(`{"a":"pp"}`)
	a.expect(`{"a":"pp"}`)
	b.sendRaw(`{"a":"u","c":"k","d":"x"}`)
	b.expect(`{"a":"u","c":"k","d":"x"}`)
	s, err := e.m.Fetch(context.Background(), "k", "x")
	if err != nil || s.Version != 3 || string(s.Data) != `">hi!"` {
		t.Errorf("Fetch = %+v, %v", s, err)
	}
}

func TestCreateDeleteErrors(t *testing.T) {
	e := newEnv(t, nil)
	a := dial(t, e, "")
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":null,"seq":1,"create":{"type":"test-counter","data":1}}`)
	a.expect(`{"src":"` + a.id + `","seq":1,"v":0,"a":"op","c":"k","d":"x"}`)
	cases := []struct{ in, err string }{
		{`{"a":"op","c":"k","d":"x","v":null,"seq":2,"create":{"type":"test-counter","data":1}}`,
			`{"code":"ERR_DOC_ALREADY_CREATED","message":"Invalid op submitted. Document already created"}`},
		{`{"a":"op","c":"k","d":"x","v":99,"seq":3,"op":1}`,
			`{"code":"ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT","message":"Invalid op submitted. Op version newer than current snapshot"}`},
		{`{"a":"op","c":"k","d":"nodoc","v":0,"seq":4,"op":1}`,
			`{"code":"ERR_DOC_DOES_NOT_EXIST","message":"Document does not exist"}`},
		{`{"a":"op","c":"k","d":"y","v":null,"seq":5,"create":{"type":"no-such-type","data":1}}`,
			`{"code":"ERR_OT_OP_BADLY_FORMED","message":"Missing create type"}`},
		{`{"a":"op","c":"k","d":"x","v":1,"seq":6,"op":"nope"}`,
			`{"code":"ERR_OT_OP_BADLY_FORMED","message":"invalid op: counter op must be a number"}`},
	}
	for _, tc := range cases {
		a.sendRaw(tc.in)
		a.expect(tc.in[:len(tc.in)-1] + `,"error":` + tc.err + `}`)
	}
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":7,"del":true}`)
	a.expect(`{"src":"` + a.id + `","seq":7,"v":1,"a":"op","c":"k","d":"x"}`)
	a.sendRaw(`{"a":"f","c":"k","d":"x"}`)
	a.expect(`{"data":{"v":2,"type":null},"a":"f","c":"k","d":"x"}`)
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":2,"seq":8,"create":{"type":"` + counterURI + `","data":5}}`)
	a.expect(`{"src":"` + a.id + `","seq":8,"v":2,"a":"op","c":"k","d":"x"}`)
	// A resubmitted create (same src and seq, no version) is acked with its
	// original version, not applied again.
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":null,"src":"` + a.id + `","seq":8,"create":{"type":"test-counter","data":5}}`)
	a.expect(`{"src":"` + a.id + `","seq":8,"v":2,"a":"op","c":"k","d":"x"}`)
	if n := len(e.store.opsOf("k", "x")); n != 3 {
		t.Errorf("stored ops = %d, want 3", n)
	}
}
