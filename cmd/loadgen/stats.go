package main

import (
	"slices"
	"sync"
	"time"
)

// samples collects latencies; safe for concurrent use.
type samples struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *samples) add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

// quantiles returns the count and the p50 and p99 (nearest rank).
func (s *samples) quantiles() (n int, p50, p99 time.Duration) {
	s.mu.Lock()
	d := slices.Clone(s.d)
	s.mu.Unlock()
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	at := func(q float64) time.Duration {
		i := int(q*float64(len(d))+0.5) - 1
		return d[max(0, min(i, len(d)-1))]
	}
	return len(d), at(0.50), at(0.99)
}

// sendTimes maps (src, seq) to the time the op was queued.
type sendTimes struct {
	mu sync.Mutex
	m  map[opID]sentOp
}

// sentOp is when an op was queued and the instance its sender is on (nil
// when unknown).
type sentOp struct {
	at   time.Time
	inst *string
}

type opID struct {
	src string
	seq int64
}

func (s *sendTimes) put(id opID, t sentOp) {
	s.mu.Lock()
	s.m[id] = t
	s.mu.Unlock()
}

func (s *sendTimes) get(id opID) (sentOp, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[id]
	return t, ok
}
