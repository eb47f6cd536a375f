package main

import (
	"sync"
	"testing"
	"time"
)

// TestSendTimes: a written op's time is found by (src, seq) from other
// goroutines, with its sender's instance; an op sentRing writes older, or
// of an unknown sender, is not.
func TestSendTimes(t *testing.T) {
	var s sendTimes
	inst := "i1"
	t0 := time.Unix(1000, 0)
	var wg sync.WaitGroup
	for _, src := range []string{"a", "b"} {
		wg.Go(func() {
			for seq := int64(1); seq <= sentRing+10; seq++ {
				s.put(src, seq, t0.Add(time.Duration(seq)), &inst)
				if _, ok := s.get(src, seq); !ok {
					t.Errorf("%s/%d not found right after put", src, seq)
					return
				}
			}
		})
	}
	wg.Wait()
	got, ok := s.get("a", sentRing+5)
	if !ok || !got.at.Equal(t0.Add(sentRing+5)) || got.inst == nil || *got.inst != "i1" {
		t.Errorf("get(a, %d) = %v, %v; want %v on i1", sentRing+5, got, ok, t0.Add(sentRing+5))
	}
	if _, ok := s.get("a", 5); ok {
		t.Error("get(a, 5) found an op overwritten sentRing ops later")
	}
	if _, ok := s.get("c", 1); ok {
		t.Error("get(c, 1) found an op of an unknown sender")
	}
}
