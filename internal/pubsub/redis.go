package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of RedisOptions.
const (
	DefaultPublishTimeout      = 500 * time.Millisecond
	DefaultSubscribeTimeout    = 2 * time.Second
	DefaultHealthCheckInterval = 3 * time.Second
)

// Bounds of the dispatcher's wait between failed reads (Redis down).
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = time.Second
)

// RedisOptions configures NewRedis.
type RedisOptions struct {
	// Prefix is put before every channel name on Redis.
	Prefix string
	// PublishTimeout bounds a Publish, so a slow or absent Redis never
	// holds up a commit for long; zero means DefaultPublishTimeout.
	PublishTimeout time.Duration
	// SubscribeTimeout bounds the SUBSCRIBE and UNSUBSCRIBE writes;
	// zero means DefaultSubscribeTimeout.
	SubscribeTimeout time.Duration
	// HealthCheckInterval is how long the subscriber connection may stay
	// silent before the dispatcher pings it; zero means
	// DefaultHealthCheckInterval.
	HealthCheckInterval time.Duration
}

// Redis is a PubSub over Redis PUBLISH/SUBSCRIBE. It is safe for
// concurrent use. Create it with NewRedis and Close it when done.
type Redis struct {
	client *redis.Client
	ps     *redis.PubSub
	opts   RedisOptions
	logger *slog.Logger

	resync chan struct{} // capacity 1; see Resync
	broken atomic.Bool   // a read or subscribe failed since the last successful read
	stop   context.CancelFunc
	done   chan struct{} // closed when the dispatcher has exited

	ioMu sync.Mutex // serialises SUBSCRIBE/UNSUBSCRIBE writes in refcount order; held across I/O

	mu     sync.Mutex                 // guards subs and closed; never held across I/O
	subs   map[string][]*subscription // by channel (without prefix)
	closed bool
}

// subscription is one local Subscribe.
type subscription struct {
	deliver   func(msg []byte)
	cancelled atomic.Bool
}

// NewRedis connects to the Redis at url (redis://[user:pass@]host:port/db,
// or rediss:// for TLS) and starts the dispatcher. It fails if Redis does
// not answer a PING, so a wrong address shows at start; once running, a
// Redis outage only delays messages (see Publish, Subscribe, Resync).
func NewRedis(ctx context.Context, url string, opts RedisOptions, logger *slog.Logger) (*Redis, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ropts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("pubsub: redis url: %w", err)
	}
	ropts.MaxRetries = 1 // a publish is bounded by PublishTimeout; do not queue retries behind it
	if ropts.Protocol == 0 {
		// RESP2 unless the URL asks otherwise: RESP3 gains nothing here
		// and makes go-redis look for push notifications at every read of
		// the subscriber connection.
		ropts.Protocol = 2
	}
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	if opts.SubscribeTimeout <= 0 {
		opts.SubscribeTimeout = DefaultSubscribeTimeout
	}
	if opts.HealthCheckInterval <= 0 {
		opts.HealthCheckInterval = DefaultHealthCheckInterval
	}
	client := redis.NewClient(ropts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("pubsub: redis at %s: %w", ropts.Addr, err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	r := &Redis{
		client: client,
		ps:     client.Subscribe(ctx),
		opts:   opts,
		logger: logger,
		resync: make(chan struct{}, 1),
		stop:   stop,
		done:   make(chan struct{}),
		subs:   make(map[string][]*subscription),
	}
	go r.dispatch(runCtx)
	logger.Info("pubsub connected", "backend", "redis", "addr", ropts.Addr, "prefix", opts.Prefix)
	return r, nil
}

// Publish sends msg to the current subscribers of channel, on every
// instance. It returns once Redis has accepted the message, or with an
// error after at most PublishTimeout (Redis down or slow): the caller logs
// it and carries on, since receivers recover missed messages from the
// store. Publish does not keep msg.
func (r *Redis) Publish(ctx context.Context, channel string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	if err := r.client.Publish(ctx, r.opts.Prefix+channel, msg).Err(); err != nil {
		return fmt.Errorf("pubsub: publish on %q: %w", channel, err)
	}
	return nil
}

// PublishBatch publishes msgs[i] on channels[i], in order, in one round
// trip (a pipeline), bounded by PublishTimeout like Publish. On error, some
// of the messages may have been sent. It does not keep the slices.
func (r *Redis) PublishBatch(ctx context.Context, channels []string, msgs [][]byte) error {
	_, err := r.PublishBatchCount(ctx, channels, msgs)
	return err
}

// PublishBatchCount is PublishBatch, also returning PUBLISH's reply for
// each message: how many clients of this Redis were subscribed to its
// channel.
func (r *Redis) PublishBatchCount(ctx context.Context, channels []string, msgs [][]byte) ([]int64, error) {
	if len(channels) != len(msgs) {
		return nil, fmt.Errorf("pubsub: publish batch: %d channels for %d messages", len(channels), len(msgs))
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	pipe := r.client.Pipeline()
	cmds := make([]*redis.IntCmd, len(channels))
	for i, ch := range channels {
		cmds[i] = pipe.Publish(ctx, r.opts.Prefix+ch, msgs[i])
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("pubsub: publish batch of %d: %w", len(msgs), err)
	}
	counts := make([]int64, len(cmds))
	for i, c := range cmds {
		counts[i] = c.Val()
	}
	return counts, nil
}

// Subscribe calls deliver for each message published on channel (by any
// instance, this one included) until the returned cancel is called.
// deliver is called from the dispatcher goroutine, one call at a time, in
// the order Redis delivers (publish order); it must return quickly, must
// not modify msg, and must not call Close. cancel may be called from
// deliver; it does not wait for a call already under way, after which
// deliver is not called again; calling it again does nothing.
//
// Subscribe fails only when ctx is done or the Redis is closed. If Redis
// cannot be reached, the failure is logged and the channel is subscribed
// when the connection comes back, after which Resync fires.
func (r *Redis) Subscribe(ctx context.Context, channel string, deliver func(msg []byte)) (cancel func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pubsub: subscribe %q: %w", channel, err)
	}
	sub := &subscription{deliver: deliver}
	r.ioMu.Lock()
	defer r.ioMu.Unlock()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, fmt.Errorf("pubsub: subscribe %q: %w", channel, redis.ErrClosed)
	}
	first := len(r.subs[channel]) == 0
	r.subs[channel] = append(r.subs[channel], sub)
	r.mu.Unlock()
	if first {
		r.redisSubscribe(ctx, channel)
	}
	var once sync.Once
	return func() { once.Do(func() { r.unsubscribe(channel, sub) }) }, nil
}

// redisSubscribe sends SUBSCRIBE for channel. Callers hold ioMu. go-redis
// remembers the channel even when the write fails and subscribes it on its
// next connection; one retry covers a write that failed on a connection
// go-redis then replaced at once.
func (r *Redis) redisSubscribe(ctx context.Context, channel string) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.SubscribeTimeout)
	defer cancel()
	err := r.ps.Subscribe(ctx, r.opts.Prefix+channel)
	if err != nil && ctx.Err() == nil {
		err = r.ps.Subscribe(ctx, r.opts.Prefix+channel)
	}
	if err != nil {
		r.broken.Store(true)
		r.logger.Warn("pubsub: redis subscribe failed; it takes effect on reconnect", "channel", channel, "err", err)
	}
}

// unsubscribe removes sub, and the Redis subscription with the last one.
func (r *Redis) unsubscribe(channel string, sub *subscription) {
	sub.cancelled.Store(true)
	r.ioMu.Lock()
	defer r.ioMu.Unlock()
	r.mu.Lock()
	subs := slices.DeleteFunc(r.subs[channel], func(s *subscription) bool { return s == sub })
	last := len(subs) == 0
	if last {
		delete(r.subs, channel)
	} else {
		r.subs[channel] = subs
	}
	closed := r.closed
	r.mu.Unlock()
	if !last || closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.SubscribeTimeout)
	defer cancel()
	// go-redis forgets the channel even if the write fails, so a reconnect
	// does not subscribe it again; a stray message meanwhile finds no
	// local subscriber and is dropped.
	if err := r.ps.Unsubscribe(ctx, r.opts.Prefix+channel); err != nil {
		r.logger.Debug("pubsub: redis unsubscribe failed", "channel", channel, "err", err)
	}
}

// Resync returns a channel that receives a value after each reconnect to
// Redis (the subscriptions are then in place again). Messages published
// while the connection was down are lost, so the receiver must re-check the
// head of every document it serves, as its periodic check does. Signals are
// coalesced: reconnects that happen before the receiver reads yield one
// value. There is one channel per Redis; read it from one goroutine.
func (r *Redis) Resync() <-chan struct{} { return r.resync }

// Close stops the dispatcher and closes the connections. Calls after the
// first do nothing. It must not be called from a deliver function.
func (r *Redis) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.subs = make(map[string][]*subscription)
	r.mu.Unlock()
	r.stop()
	err := r.ps.Close()
	<-r.done
	if cerr := r.client.Close(); err == nil {
		err = cerr
	}
	r.logger.Info("pubsub closed", "backend", "redis")
	if err != nil && !errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("pubsub: close: %w", err)
	}
	return nil
}

// dispatch is the dispatcher goroutine: it reads the subscriber connection
// and hands each message to the local subscribers of its channel. A read
// error marks the connection broken (go-redis reconnects and resubscribes
// on the next read); the first successful read after that signals Resync.
// A silent connection is pinged every HealthCheckInterval, so a dead one
// is noticed.
func (r *Redis) dispatch(ctx context.Context) {
	defer close(r.done)
	backoff := minBackoff
	for {
		msg, err := r.ps.ReceiveTimeout(ctx, r.opts.HealthCheckInterval)
		switch {
		case errors.Is(err, redis.ErrClosed) || ctx.Err() != nil:
			return
		case isTimeout(err):
			if perr := r.ps.Ping(ctx); perr != nil {
				r.broken.Store(true)
			}
			continue
		case err != nil:
			if !r.broken.Swap(true) {
				r.logger.Warn("pubsub: redis connection lost; reconnecting", "err", err)
			}
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		if r.broken.Swap(false) {
			r.logger.Info("pubsub: redis connection back; signalling resync")
			select {
			case r.resync <- struct{}{}:
			default:
			}
		}
		if m, ok := msg.(*redis.Message); ok {
			r.deliver(m)
		}
	}
}

// deliver calls the local subscribers of m's channel.
func (r *Redis) deliver(m *redis.Message) {
	if len(m.Channel) < len(r.opts.Prefix) || m.Channel[:len(r.opts.Prefix)] != r.opts.Prefix {
		return
	}
	channel := m.Channel[len(r.opts.Prefix):]
	r.mu.Lock()
	subs := slices.Clone(r.subs[channel])
	r.mu.Unlock()
	if len(subs) == 0 {
		return
	}
	payload := []byte(m.Payload)
	for _, s := range subs {
		if !s.cancelled.Load() {
			s.deliver(payload)
		}
	}
}

// isTimeout reports a read that found nothing within its deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Ping checks that Redis answers (for health checks).
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("pubsub: redis: ping: %w", err)
	}
	return nil
}
