package main

import (
	"slices"
	"sync"
	"sync/atomic"
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

// sendTimes records when each op was written, by (src, seq), for the
// delivery latencies; safe for concurrent use. Each sender has a ring of
// its last sentRing ops, written only by its own goroutine and read by the
// others' read loops without a lock: a delivery comes long before its
// sender has written sentRing more ops.
type sendTimes struct {
	mu sync.RWMutex
	m  map[string]*sentLog // by src
}

// sentRing is the number of ops a sender's log remembers.
const sentRing = 4096

// sentLog is one sender's ring.
type sentLog struct {
	inst *string // the instance its connection is on, nil when unknown
	ring [sentRing]struct{ seq, at atomic.Int64 }
}

// sentOp is when an op was queued and the instance its sender is on (nil
// when unknown).
type sentOp struct {
	at   time.Time
	inst *string
}

// sender returns src's log, made with inst the first time.
func (s *sendTimes) sender(src string, inst *string) *sentLog {
	s.mu.RLock()
	l := s.m[src]
	s.mu.RUnlock()
	if l != nil {
		return l
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l = s.m[src]; l == nil {
		if s.m == nil {
			s.m = make(map[string]*sentLog)
		}
		l = &sentLog{inst: inst}
		s.m[src] = l
	}
	return l
}

// put records that src's op seq was written at t. One goroutine per src.
func (s *sendTimes) put(src string, seq int64, t time.Time, inst *string) {
	e := &s.sender(src, inst).ring[uint64(seq)%sentRing]
	e.at.Store(t.UnixNano())
	e.seq.Store(seq)
}

// get returns when src's op seq was written, if remembered.
func (s *sendTimes) get(src string, seq int64) (sentOp, bool) {
	s.mu.RLock()
	l := s.m[src]
	s.mu.RUnlock()
	if l == nil {
		return sentOp{}, false
	}
	e := &l.ring[uint64(seq)%sentRing]
	if e.seq.Load() != seq {
		return sentOp{}, false
	}
	return sentOp{time.Unix(0, e.at.Load()), l.inst}, true
}
