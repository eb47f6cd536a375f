package session

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// publisher announces committed ops on the PubSub off the documents'
// goroutines (a document goes on committing while a Redis round trip is
// under way), in commit order: one queue, one goroutine. When a publish
// fails (Redis unreachable), it keeps the latest message of that channel
// and publishes it again every retry interval until one succeeds, or until
// a newer message of the channel goes out: the other instances then see
// the op, or a version gap that they fill from the store, soon after the
// PubSub recovers, instead of only at their next head check.
type publisher struct {
	ps      PubSub
	timeout time.Duration
	retry   time.Duration
	log     *slog.Logger
	queue   chan pubMsg
	done    chan struct{} // closed by close
	exited  chan struct{} // closed when run returns

	failed map[string][]byte // owned by run: the latest unpublished message per channel

	// unreached, when set, is told of each message on an inbox channel that
	// reached no subscriber (a ReachPublisher's count). Set before the
	// first publish; called on run's goroutine, it must not block.
	unreached func(channel string)

	batchCh  []string // owned by run: sendQueued's reused buffers
	batchMsg [][]byte
}

type pubMsg struct {
	channel string
	msg     []byte
}

func newPublisher(ps PubSub, timeout, retry time.Duration, log *slog.Logger) *publisher {
	p := &publisher{ps: ps, timeout: timeout, retry: retry, log: log,
		queue: make(chan pubMsg, 4096), done: make(chan struct{}), exited: make(chan struct{}),
		failed: make(map[string][]byte)}
	go p.run()
	return p
}

// publish queues msg for channel. It blocks only while the queue is full
// (each publish is bounded by the timeout, so the queue keeps moving); after
// close it drops msg, as a lost PubSub message would be.
func (p *publisher) publish(channel string, msg []byte) {
	select {
	case p.queue <- pubMsg{channel, msg}:
	case <-p.done:
	}
}

func (p *publisher) run() {
	defer close(p.exited)
	tick := time.NewTicker(p.retry)
	defer tick.Stop()
	for {
		select {
		case m := <-p.queue:
			p.sendQueued(m)
		case <-tick.C:
			p.retryFailed()
		case <-p.done:
			p.drain()
			return
		}
	}
}

// maxPublishBatch bounds the messages sent in one round trip.
const maxPublishBatch = 256

// sendQueued publishes m and whatever else is queued behind it (up to
// maxPublishBatch messages in all), in one round trip when the PubSub is a
// BatchPublisher: under load, ops are committed faster than one Redis
// round trip each would publish them.
func (p *publisher) sendQueued(m pubMsg) {
	bp, ok := p.ps.(BatchPublisher)
	if !ok {
		p.send(m)
		return
	}
	rp, counted := p.ps.(ReachPublisher)
	channels, msgs := p.batchCh[:0], p.batchMsg[:0]
	channels, msgs = append(channels, m.channel), append(msgs, m.msg)
collect:
	for len(msgs) < maxPublishBatch {
		select {
		case m := <-p.queue:
			channels, msgs = append(channels, m.channel), append(msgs, m.msg)
		default:
			break collect
		}
	}
	if len(msgs) == 1 && !counted {
		p.send(m)
	} else {
		// Counted, even one message goes as a batch: its count tells
		// whether an owner's inbox still has its subscriber.
		var counts []int64
		var err error
		ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
		if counted {
			counts, err = rp.PublishBatchCount(ctx, channels, msgs)
		} else {
			err = bp.PublishBatch(ctx, channels, msgs)
		}
		cancel()
		for i, ch := range channels {
			p.noteOutcome(ch, msgs[i], err)
			if counts != nil && counts[i] == 0 && p.unreached != nil && strings.HasPrefix(ch, inboxPrefix) {
				p.unreached(ch)
			}
		}
	}
	clear(msgs) // do not keep published messages alive
	p.batchCh, p.batchMsg = channels[:0], msgs[:0]
}

// send publishes m, remembering it for a retry when that fails.
func (p *publisher) send(m pubMsg) bool {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	err := p.ps.Publish(ctx, m.channel, m.msg)
	cancel()
	p.noteOutcome(m.channel, m.msg, err)
	return err == nil
}

// noteOutcome remembers msg as channel's latest unpublished message when
// its publish failed (err), and forgets channel's when it succeeded.
func (p *publisher) noteOutcome(channel string, msg []byte, err error) {
	if err == nil {
		delete(p.failed, channel)
		return
	}
	if _, known := p.failed[channel]; !known {
		p.log.Warn("publish op; will retry", "channel", channel, "err", err)
	}
	p.failed[channel] = msg
}

// retryFailed republishes the remembered messages, stopping at the first
// failure (the PubSub is still unreachable).
func (p *publisher) retryFailed() {
	for ch, msg := range p.failed {
		if !p.send(pubMsg{ch, msg}) {
			return
		}
	}
}

// drain publishes what is still queued at close, giving up at the first
// failure.
func (p *publisher) drain() {
	for {
		select {
		case m := <-p.queue:
			if !p.send(m) {
				return
			}
		default:
			return
		}
	}
}

// close stops the publisher after publishing what is queued; documents
// must have stopped publishing.
func (p *publisher) close() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	<-p.exited
}
