package session

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestSnapshotAtVersionAndTime(t *testing.T) {
	var clock atomic.Int64
	clock.Store(1000)
	e := newEnv(t, func(o *Options) {
		o.Now = func() time.Time { return time.UnixMilli(clock.Add(1000)) }
		o.SnapshotEvery = 2
	})
	a := dial(t, e, "")
	a.sendRaw(`{"a":"op","c":"k","d":"x","seq":1,"create":{"type":"test-counter","data":0}}`) // ts 2000
	a.read()
	for i := 1; i <= 4; i++ { // ts 3000..6000
		a.send(map[string]any{"a": "op", "c": "k", "d": "x", "v": i, "seq": i + 1, "op": 10})
		a.read()
	}
	a.sendRaw(`{"a":"nf","id":1,"c":"k","d":"x","v":2}`)
	a.expect(`{"id":1,"v":2,"type":"` + counterURI + `","data":10,"m":null,"a":"nf"}`)
	a.sendRaw(`{"a":"nf","id":2,"c":"k","d":"x","v":null}`)
	a.expect(`{"id":2,"v":5,"type":"` + counterURI + `","data":40,"m":null,"a":"nf"}`)
	a.sendRaw(`{"a":"nf","id":3,"c":"k","d":"nope","v":null}`)
	a.expect(`{"id":3,"v":0,"type":null,"m":null,"a":"nf"}`)
	a.sendRaw(`{"a":"nf","id":4,"c":"k","d":"x","v":99}`)
	a.expect(`{"a":"nf","id":4,"c":"k","d":"x","v":99,"error":{"code":"ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT","message":"Requested version exceeds latest snapshot version"}}`)
	a.sendRaw(`{"a":"nt","id":5,"c":"k","d":"x","ts":4500}`)
	a.expect(`{"id":5,"v":3,"type":"` + counterURI + `","data":20,"m":null,"a":"nt"}`)
	a.sendRaw(`{"a":"nt","id":6,"c":"k","d":"x","ts":"soon"}`)
	a.expect(`{"a":"nt","id":6,"c":"k","d":"x","ts":"soon","error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid timestamp"}}`)

	// Milestones: every 2 ops a snapshot was committed with the ops.
	var versions []int64
	for _, s := range e.store.docs[docKey{"k", "x"}].snaps {
		versions = append(versions, s.Version)
	}
	if len(versions) != 2 || versions[0] != 2 || versions[1] != 4 {
		t.Errorf("milestone snapshots at %v, want [2 4]", versions)
	}

	ctx := context.Background()
	ops, err := e.m.Ops(ctx, "k", "x", 1, 3)
	if err != nil || len(ops) != 2 || ops[0].Version != 1 || string(ops[0].Op) != "10" || ops[0].Ts != 3000 {
		t.Errorf("Ops = %+v, %v", ops, err)
	}
	s, err := e.m.SnapshotAtTime(ctx, "k", "x", 2500)
	if err != nil || s.Version != 1 || string(s.Data) != "0" {
		t.Errorf("SnapshotAtTime = %+v, %v", s, err)
	}
	p, err := e.m.List(ctx, "k", "", 10)
	if err != nil || len(p.Documents) != 1 || p.Documents[0].ID != "x" || p.Documents[0].Version != 5 {
		t.Errorf("List = %+v, %v", p, err)
	}
}
