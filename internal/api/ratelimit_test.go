package api

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// fromHeader keys requests by their X-Client header (tests only).
func fromHeader(r *http.Request) netip.Addr {
	return netip.MustParseAddr(r.Header.Get("X-Client"))
}

func limiterAt(t *testing.T, perSecond float64, burst int) (*ipLimiter, *time.Time) {
	t.Helper()
	h := &Handler{}
	WithRateLimit(perSecond, burst, fromHeader, nil)(h)
	if h.limit == nil {
		t.Fatal("no limiter")
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.limit.now = func() time.Time { return now }
	return h.limit, &now
}

func reqFrom(ip string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/docs/c/d", nil)
	r.Header.Set("X-Client", ip)
	return r
}

func TestIPLimiterBucketPerAddress(t *testing.T) {
	l, now := limiterAt(t, 2, 3)
	for i := range 3 {
		if ok, _ := l.allow(reqFrom("10.0.0.1")); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := l.allow(reqFrom("10.0.0.1"))
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request: allowed %v, wait %v; want refused, 500ms", ok, wait)
	}
	if ok, _ := l.allow(reqFrom("10.0.0.2")); !ok {
		t.Error("another address was refused")
	}
	*now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow(reqFrom("10.0.0.1")); !ok {
		t.Error("refused after the bucket refilled one token")
	}
	if ok, _ := l.allow(reqFrom("10.0.0.1")); ok {
		t.Error("allowed a second request on one refilled token")
	}
}

func TestIPLimiterSweepsFullBuckets(t *testing.T) {
	l, now := limiterAt(t, 10, 5)
	l.allow(reqFrom("10.0.0.1"))
	l.allow(reqFrom("10.0.0.2"))
	*now = now.Add(sweepEvery)
	l.allow(reqFrom("10.0.0.3"))
	if _, held := l.buckets[netip.MustParseAddr("10.0.0.1")]; held || len(l.buckets) != 1 {
		t.Errorf("after a minute the limiter holds %d buckets (10.0.0.1: %v), want only 10.0.0.3's", len(l.buckets), held)
	}
}

func TestIPLimiterBoundedBuckets(t *testing.T) {
	l, now := limiterAt(t, 1, 1)
	l.max = 2
	l.allow(reqFrom("10.0.0.1"))
	l.allow(reqFrom("10.0.0.2"))
	// Both buckets are empty (in use), so neither is swept: a third
	// address is refused rather than tracked.
	if ok, wait := l.allow(reqFrom("10.0.0.3")); ok || wait <= 0 {
		t.Errorf("a third address with two buckets in use: allowed %v, wait %v", ok, wait)
	}
	if len(l.buckets) != 2 {
		t.Errorf("holds %d buckets, want at most 2", len(l.buckets))
	}
	// A second on, both have refilled (1 a second, burst 1): the sweep
	// makes room.
	*now = now.Add(time.Second)
	if ok, _ := l.allow(reqFrom("10.0.0.3")); !ok {
		t.Error("a third address refused after the others' buckets refilled")
	}
}

func TestRateLimitOff(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		burst int
	}{{0, 10}, {-1, 10}, {5, 0}} {
		h := &Handler{}
		WithRateLimit(c.rate, c.burst, fromHeader, nil)(h)
		if h.limit != nil {
			t.Errorf("rate %v burst %d: limited", c.rate, c.burst)
		}
	}
}
