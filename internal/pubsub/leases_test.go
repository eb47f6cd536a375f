package pubsub_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/pubsub"
)

// leases is session.Leases as the session package declares it.
type leases interface {
	AcquireLeases(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]string, []time.Duration, error)
	RenewLeases(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]bool, error)
	ReleaseLeases(ctx context.Context, owner string, keys []string) error
}

var (
	_ leases = (*pubsub.Redis)(nil)
	_ leases = (*pubsub.Memory)(nil)
)

func acquire(t *testing.T, l leases, owner string, ttl time.Duration, keys ...string) ([]string, []time.Duration) {
	t.Helper()
	h, left, err := l.AcquireLeases(context.Background(), owner, keys, ttl)
	if err != nil || len(h) != len(keys) || len(left) != len(keys) {
		t.Fatalf("AcquireLeases(%s, %v) = %v, %v, %v", owner, keys, h, left, err)
	}
	return h, left
}

func renew(t *testing.T, l leases, owner string, ttl time.Duration, keys ...string) []bool {
	t.Helper()
	held, err := l.RenewLeases(context.Background(), owner, keys, ttl)
	if err != nil || len(held) != len(keys) {
		t.Fatalf("RenewLeases(%s, %v) = %v, %v", owner, keys, held, err)
	}
	return held
}

func release(t *testing.T, l leases, owner string, keys ...string) {
	t.Helper()
	if err := l.ReleaseLeases(context.Background(), owner, keys); err != nil {
		t.Fatalf("ReleaseLeases(%s, %v): %v", owner, keys, err)
	}
}

// testLeases is what both buses' leases must do (with leases that do not
// expire during the test).
func testLeases(t *testing.T, a, b leases) {
	const ttl = time.Minute
	h, left := acquire(t, a, "A", ttl, "k1", "k2")
	if !slices.Equal(h, []string{"A", "A"}) || left[0] != ttl || left[1] != ttl {
		t.Fatalf("A's acquire: %v %v, want A holding both for %v", h, left, ttl)
	}
	// B sees A's leases and takes the free one, in one call.
	h, left = acquire(t, b, "B", ttl, "k1", "k3")
	if !slices.Equal(h, []string{"A", "B"}) || left[0] <= 0 || left[0] > ttl || left[1] != ttl {
		t.Fatalf("B's acquire: %v %v, want [A B], A's time left in (0, %v]", h, left, ttl)
	}
	if held := renew(t, a, "A", ttl, "k1", "k2", "k3"); !slices.Equal(held, []bool{true, true, false}) {
		t.Errorf("A renews: %v, want [true true false]", held)
	}
	// Releasing another's lease does nothing.
	release(t, b, "B", "k1")
	if h, _ := acquire(t, b, "B", ttl, "k1"); h[0] != "A" {
		t.Errorf("after B released A's lease, the holder is %q, want A", h[0])
	}
	release(t, a, "A", "k1", "k3")
	if h, _ := acquire(t, b, "B", ttl, "k1", "k3"); !slices.Equal(h, []string{"B", "B"}) {
		t.Errorf("after A released k1: holders %v, want [B B]", h)
	}
	if held := renew(t, a, "A", ttl, "k1", "k2"); !slices.Equal(held, []bool{false, true}) {
		t.Errorf("A renews after losing k1: %v, want [false true]", held)
	}
}

func TestMemoryLeases(t *testing.T) {
	m := pubsub.NewMemory(0)
	defer m.Close()
	testLeases(t, m, m)
	// Expiry follows the bus's clock.
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	m.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	acquire(t, m, "A", time.Second, "e")
	if h, left := acquire(t, m, "B", time.Second, "e"); h[0] != "A" || left[0] != time.Second {
		t.Fatalf("before expiry: %v %v", h, left)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if got := m.LeaseHolder("e"); got != "" {
		t.Errorf("expired lease still held by %q", got)
	}
	if h, _ := acquire(t, m, "B", time.Second, "e"); h[0] != "B" {
		t.Errorf("after expiry the holder is %q, want B", h[0])
	}
	if held := renew(t, m, "A", time.Second, "e"); held[0] {
		t.Error("A renewed a lease that expired and was taken")
	}
}

func TestRedisLeases(t *testing.T) {
	url := testRedisURL(t)
	prefix := uniquePrefix()
	a, b := newRedis(t, url, prefix), newRedis(t, url, prefix)
	testLeases(t, a, b)
	// Another prefix is another namespace.
	other := newRedis(t, url, uniquePrefix())
	if h, _ := acquire(t, other, "C", time.Minute, "k1"); h[0] != "C" {
		t.Errorf("another prefix sees holder %q, want its own lease", h[0])
	}
	// An unrenewed lease expires and can be taken.
	acquire(t, a, "A", 50*time.Millisecond, "short")
	deadline := time.Now().Add(wait)
	for {
		h, _ := acquire(t, b, "B", time.Minute, "short")
		if h[0] == "B" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease never expired")
		}
		time.Sleep(10 * time.Millisecond) // polling Redis's clock, not synchronising goroutines
	}
	if held := renew(t, a, "A", time.Minute, "short"); held[0] {
		t.Error("A renewed a lease that expired and was taken")
	}
	// A closed client fails instead of hanging.
	c := newRedis(t, url, prefix)
	_ = c.Close()
	if _, _, err := c.AcquireLeases(context.Background(), "C", []string{"x"}, time.Second); err == nil {
		t.Error("AcquireLeases on a closed Redis succeeded")
	}
}
