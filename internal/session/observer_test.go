package session

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// counts is what a countingObserver has seen.
type counts struct {
	ops      map[string]int
	acks     int
	flushes  int
	flushOps int
	retries  int
	gaps     int
	slow     int
	rejected map[string]int
}

// countingObserver records what the Manager reports.
type countingObserver struct {
	mu sync.Mutex
	c  counts
}

func newCountingObserver() *countingObserver {
	return &countingObserver{c: counts{ops: map[string]int{}, rejected: map[string]int{}}}
}

func (o *countingObserver) do(f func(c *counts)) {
	o.mu.Lock()
	f(&o.c)
	o.mu.Unlock()
}

func (o *countingObserver) OpsCommitted(typ string, n int) {
	o.do(func(c *counts) { c.ops[typ] += n })
}
func (o *countingObserver) SubmitAcked(time.Duration) { o.do(func(c *counts) { c.acks++ }) }
func (o *countingObserver) CommitFlushed(_ time.Time, _ time.Duration, _, ops int, _ error) {
	o.do(func(c *counts) { c.flushes++; c.flushOps += ops })
}
func (o *countingObserver) CommitRetried()    { o.do(func(c *counts) { c.retries++ }) }
func (o *countingObserver) GapFilled(n int)   { o.do(func(c *counts) { c.gaps += n }) }
func (o *countingObserver) SlowClientClosed() { o.do(func(c *counts) { c.slow++ }) }
func (o *countingObserver) Rejected(reason string) {
	o.do(func(c *counts) { c.rejected[reason]++ })
}

// snapshot returns a copy of the counts.
func (o *countingObserver) snapshot() counts {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.c
	c.ops, c.rejected = map[string]int{}, map[string]int{}
	for k, v := range o.c.ops {
		c.ops[k] = v
	}
	for k, v := range o.c.rejected {
		c.rejected[k] = v
	}
	return c
}

func TestObserverSeesCommitsAcksAndRejections(t *testing.T) {
	obs := newCountingObserver()
	e := newEnv(t, func(o *Options) { o.Observer = obs; o.ReadLimit = 4096 })
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"op","c":"k","d":"x","seq":1,"create":{"type":"test-counter","data":0}}`)
	a.read()
	for i := 1; i <= 10; i++ {
		a.send(map[string]any{"a": "op", "c": "k", "d": "x", "v": i, "seq": i + 1, "op": 1})
		a.read()
	}
	a.sendRaw(`not json`)
	a.read()
	a.sendRaw(`{"a":"op","c":"k","d":"x","v":99,"seq":50,"op":1}`)
	a.read()
	if n := e.m.Connections(); n != 1 {
		t.Errorf("Connections() = %d, want 1", n)
	}
	if n := e.m.OpenDocuments(); n != 1 {
		t.Errorf("OpenDocuments() = %d, want 1", n)
	}
	big := dial(t, e, "B")
	big.sendRaw(`{"a":"pp","pad":"` + strings.Repeat("x", 8192) + `"}`)
	if code := big.closeStatus(); code != CloseTooBig {
		t.Fatalf("oversize message closed with %v, want %v", code, CloseTooBig)
	}
	// The websocket library sends the 1009 close before the read loop
	// learns of it and counts the rejection.
	waitFor(t, "the oversize message counted", func() bool { return obs.snapshot().rejected[ReasonTooBig] > 0 })
	s := obs.snapshot()
	if s.ops["test-counter"] != 11 {
		t.Errorf("ops committed = %v, want 11 test-counter ops", s.ops)
	}
	if s.acks != 11 || s.flushOps != 11 || s.flushes < 1 || s.flushes > 11 {
		t.Errorf("acks %d, flushes %d carrying %d ops; want 11 acks and 11 ops in 1..11 flushes", s.acks, s.flushes, s.flushOps)
	}
	want := map[string]int{CodeBadMessage: 1, CodeVersionNewer: 1, ReasonTooBig: 1}
	for k, n := range want {
		if s.rejected[k] != n {
			t.Errorf("rejected[%s] = %d, want %d (all: %v)", k, s.rejected[k], n, s.rejected)
		}
	}
}

func TestDrainRestartClosesWith1012AndRefusesUpgrades(t *testing.T) {
	e := newEnv(t, nil)
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"op","c":"k","d":"x","seq":1,"create":{"type":"test-counter","data":0}}`)
	a.read()
	if e.m.Draining() {
		t.Fatal("Draining() before Drain")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.m.Drain(ctx, CloseServiceRestart) }()
	if code := a.closeStatus(); code != CloseServiceRestart {
		t.Errorf("close code %v, want %v", code, CloseServiceRestart)
	}
	if !e.m.Draining() {
		t.Error("Draining() false during Drain")
	}
	_, resp, err := websocket.Dial(ctx, e.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Errorf("upgrade during drain: status %d, err %v; want 503", status, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(e.store.opsOf("k", "x")); n != 1 {
		t.Errorf("stored %d ops, want the acknowledged create", n)
	}
}

func TestObserverCountsLimitRefusalsByReason(t *testing.T) {
	obs := newCountingObserver()
	clk := newLimitClock()
	e := newEnv(t, func(o *Options) {
		o.Observer = obs
		o.limitNow = clk.Now
		o.PresenceRate, o.PresenceBurst = 1, 1
		o.RateStrikes = 100
	})
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"pr","ch":"room"}`)
	a.expect(`{"a":"pr"}`)
	a.sendRaw(`{"a":"pr","ch":"room"}`)
	a.expect(`{"a":"pr","ch":"room","error":{"code":"ERR_RATE_LIMITED","message":"Too many messages: slow down"}}`)
	s := obs.snapshot()
	if s.rejected[string(LimitPresenceRate)] != 1 || len(s.rejected) != 1 {
		t.Errorf("rejected = %v, want exactly one %s", s.rejected, LimitPresenceRate)
	}
}
