package pubsub

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Leases: both buses also hold short-lived named leases, by which the
// session routes a document's submits to one owning instance (see
// session.Leases). A lease is a key holding its holder's id with an
// expiry; an instance takes a free one (SET NX PX), extends its own
// (PEXPIRE only if still its own) and deletes its own (DEL only if still
// its own). Every batch of keys is one round trip: a Lua script run
// atomically by Redis.

// acquireScript takes each free key for ARGV[1] for ARGV[2] ms, extends it
// when ARGV[1] holds it already, and returns per key {holder, pttl}.
var acquireScript = redis.NewScript(`
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('SET', k, ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[i] = {ARGV[1], tonumber(ARGV[2])}
  else
    local h = redis.call('GET', k)
    if h == ARGV[1] then
      redis.call('PEXPIRE', k, ARGV[2])
      out[i] = {h, tonumber(ARGV[2])}
    else
      out[i] = {h or '', redis.call('PTTL', k)}
    end
  end
end
return out`)

// renewScript extends the keys ARGV[1] still holds; 1 per key held, 0 not.
var renewScript = redis.NewScript(`
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then
    redis.call('PEXPIRE', k, ARGV[2])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out`)

// releaseScript deletes the keys ARGV[1] still holds.
var releaseScript = redis.NewScript(`
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then
    redis.call('DEL', k)
  end
end
return 0`)

// leaseKeys puts the prefix before each key.
func (r *Redis) leaseKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = r.opts.Prefix + k
	}
	return out
}

// AcquireLeases implements session.Leases: one script run, bounded by
// PublishTimeout (a lease is never worth waiting for: the caller commits
// locally meanwhile).
func (r *Redis) AcquireLeases(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]string, []time.Duration, error) {
	if len(keys) == 0 {
		return nil, nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	v, err := acquireScript.Run(ctx, r.client, r.leaseKeys(keys), owner, ttl.Milliseconds()).Slice()
	if err != nil {
		return nil, nil, fmt.Errorf("pubsub: acquire %d leases: %w", len(keys), err)
	}
	if len(v) != len(keys) {
		return nil, nil, fmt.Errorf("pubsub: acquire %d leases: %d results", len(keys), len(v))
	}
	holders, left := make([]string, len(keys)), make([]time.Duration, len(keys))
	for i, x := range v {
		pair, ok := x.([]any)
		if !ok || len(pair) != 2 {
			return nil, nil, fmt.Errorf("pubsub: acquire leases: bad result %v", x)
		}
		holders[i], _ = pair[0].(string)
		ms, _ := pair[1].(int64)
		left[i] = time.Duration(max(ms, 0)) * time.Millisecond
	}
	return holders, left, nil
}

// RenewLeases implements session.Leases.
func (r *Redis) RenewLeases(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]bool, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	v, err := renewScript.Run(ctx, r.client, r.leaseKeys(keys), owner, ttl.Milliseconds()).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("pubsub: renew %d leases: %w", len(keys), err)
	}
	if len(v) != len(keys) {
		return nil, fmt.Errorf("pubsub: renew %d leases: %d results", len(keys), len(v))
	}
	held := make([]bool, len(keys))
	for i, x := range v {
		held[i] = x == 1
	}
	return held, nil
}

// ReleaseLeases implements session.Leases.
func (r *Redis) ReleaseLeases(ctx context.Context, owner string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	if err := releaseScript.Run(ctx, r.client, r.leaseKeys(keys), owner).Err(); err != nil {
		return fmt.Errorf("pubsub: release %d leases: %w", len(keys), err)
	}
	return nil
}

// memLease is one lease of a Memory bus.
type memLease struct {
	holder string
	until  time.Time
}

// SetClock replaces the clock the Memory bus's leases expire by (default
// time.Now), so that tests can expire a lease at will.
func (m *Memory) SetClock(now func() time.Time) {
	m.mu.Lock()
	m.now = now
	m.mu.Unlock()
}

// liveLease returns key's lease if it has not expired. Callers hold mu.
func (m *Memory) liveLease(key string, now time.Time) (memLease, bool) {
	l, ok := m.leases[key]
	if !ok || !now.Before(l.until) {
		delete(m.leases, key)
		return memLease{}, false
	}
	return l, true
}

// AcquireLeases implements session.Leases in memory.
func (m *Memory) AcquireLeases(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]string, []time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, nil, ErrClosed
	}
	now := m.now()
	holders, left := make([]string, len(keys)), make([]time.Duration, len(keys))
	for i, k := range keys {
		l, ok := m.liveLease(k, now)
		if !ok || l.holder == owner {
			l = memLease{holder: owner, until: now.Add(ttl)}
			m.leases[k] = l
		}
		holders[i], left[i] = l.holder, l.until.Sub(now)
	}
	return holders, left, nil
}

// RenewLeases implements session.Leases in memory.
func (m *Memory) RenewLeases(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	now := m.now()
	held := make([]bool, len(keys))
	for i, k := range keys {
		if l, ok := m.liveLease(k, now); ok && l.holder == owner {
			m.leases[k] = memLease{holder: owner, until: now.Add(ttl)}
			held[i] = true
		}
	}
	return held, nil
}

// ReleaseLeases implements session.Leases in memory.
func (m *Memory) ReleaseLeases(ctx context.Context, owner string, keys []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if l, ok := m.liveLease(k, m.now()); ok && l.holder == owner {
			delete(m.leases, k)
		}
	}
	return nil
}

// LeaseHolder returns key's current holder ("" when none), for tests.
func (m *Memory) LeaseHolder(key string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, _ := m.liveLease(key, m.now())
	return l.holder
}
