package pubsub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultBuffer is the number of messages a Memory subscription holds before
// it drops new ones.
const DefaultBuffer = 1024

// ErrClosed is returned by Publish and Subscribe after Close.
var ErrClosed = errors.New("pubsub: closed")

// Memory is an in-process bus. Each subscription has its own goroutine and a
// bounded buffer: Publish never blocks, and a message for a subscription
// whose buffer is full is dropped for that subscription (at most once).
// Memory is safe for concurrent use.
type Memory struct {
	buffer int

	mu     sync.Mutex // guards the fields below
	subs   map[string]map[*memorySub]struct{}
	closed bool
	wg     sync.WaitGroup // one per subscription goroutine

	leases map[string]memLease // see leases.go
	now    func() time.Time    // the leases' clock
}

type memorySub struct {
	ch      chan []byte
	done    chan struct{}
	once    sync.Once
	deliver func([]byte)
}

// NewMemory returns a bus whose subscriptions buffer up to buffer messages
// (DefaultBuffer when buffer <= 0).
func NewMemory(buffer int) *Memory {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &Memory{buffer: buffer, subs: make(map[string]map[*memorySub]struct{}),
		leases: make(map[string]memLease), now: time.Now}
}

// Publish hands msg to every current subscription of channel without
// waiting. msg is shared with the subscribers and must not be modified.
func (m *Memory) Publish(ctx context.Context, channel string, msg []byte) error {
	_, err := m.publish(ctx, channel, msg)
	return err
}

// publish delivers msg to channel's subscribers and returns how many there
// were.
func (m *Memory) publish(ctx context.Context, channel string, msg []byte) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	for s := range m.subs[channel] {
		select {
		case s.ch <- msg:
		default: // full: dropped for this subscriber, as the contract allows
		}
	}
	return int64(len(m.subs[channel])), nil
}

// PublishBatch publishes msgs[i] on channels[i], in order, as Publish does
// each. It keeps the messages, not the slices.
func (m *Memory) PublishBatch(ctx context.Context, channels []string, msgs [][]byte) error {
	_, err := m.PublishBatchCount(ctx, channels, msgs)
	return err
}

// PublishBatchCount is PublishBatch, also returning how many subscribers
// each message's channel had.
func (m *Memory) PublishBatchCount(ctx context.Context, channels []string, msgs [][]byte) ([]int64, error) {
	if len(channels) != len(msgs) {
		return nil, fmt.Errorf("pubsub: publish batch: %d channels for %d messages", len(channels), len(msgs))
	}
	counts := make([]int64, len(msgs))
	for i, ch := range channels {
		n, err := m.publish(ctx, ch, msgs[i])
		if err != nil {
			return nil, err
		}
		counts[i] = n
	}
	return counts, nil
}

// Subscribe calls deliver, from a goroutine of its own, for every message
// published on channel until cancel is called.
func (m *Memory) Subscribe(ctx context.Context, channel string, deliver func([]byte)) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &memorySub{ch: make(chan []byte, m.buffer), done: make(chan struct{}), deliver: deliver}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	set := m.subs[channel]
	if set == nil {
		set = make(map[*memorySub]struct{})
		m.subs[channel] = set
	}
	set[s] = struct{}{}
	m.wg.Add(1)
	m.mu.Unlock()
	go m.run(s)
	cancel := func() {
		m.mu.Lock()
		if set := m.subs[channel]; set != nil {
			delete(set, s)
			if len(set) == 0 {
				delete(m.subs, channel)
			}
		}
		m.mu.Unlock()
		s.stop()
	}
	return cancel, nil
}

func (s *memorySub) stop() { s.once.Do(func() { close(s.done) }) }

func (m *Memory) run(s *memorySub) {
	defer m.wg.Done()
	for {
		select {
		case <-s.done:
			return
		case msg := <-s.ch:
			select {
			case <-s.done:
				return
			default:
			}
			s.deliver(msg)
		}
	}
}

// Close ends every subscription and waits for their goroutines. Later
// Publish and Subscribe calls return ErrClosed. Close is safe to call twice.
func (m *Memory) Close() error {
	m.mu.Lock()
	m.closed = true
	for ch, set := range m.subs {
		for s := range set {
			s.stop()
		}
		delete(m.subs, ch)
	}
	m.mu.Unlock()
	m.wg.Wait()
	return nil
}
