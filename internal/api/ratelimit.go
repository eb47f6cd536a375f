package api

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// WithRateLimit limits each client address to perSecond requests a second
// on average, in bursts of up to burst; key names a request's client (for
// Weft's server, session.ClientIP with the trusted proxies). A request over
// the limit is answered 429 with Retry-After and the error code
// ERR_RATE_LIMITED before it is authenticated or read, and reported to
// refused (when not nil) for counting and logging. perSecond <= 0 or
// burst < 1 leaves the API unlimited.
func WithRateLimit(perSecond float64, burst int, key func(*http.Request) netip.Addr, refused func(r *http.Request, client netip.Addr)) Option {
	return func(h *Handler) {
		if perSecond <= 0 || burst < 1 {
			return
		}
		h.limit = &ipLimiter{every: rate.Limit(perSecond), burst: burst, key: key, refused: refused,
			buckets: map[netip.Addr]*rate.Limiter{}, max: maxBuckets, now: time.Now}
	}
}

// ipLimiter holds a token bucket per client address. A bucket that has
// filled up again is the same as a new one, so buckets are dropped once
// full: swept once a minute, or (at most once a second) when max are held.
type ipLimiter struct {
	every rate.Limit
	burst int
	key   func(*http.Request) netip.Addr
	max   int              // buckets held at most (maxBuckets)
	now   func() time.Time // time.Now; tests move it

	refused func(*http.Request, netip.Addr) // nil: not reported

	mu        sync.Mutex
	buckets   map[netip.Addr]*rate.Limiter
	lastSweep time.Time
}

// maxBuckets bounds the buckets held between sweeps (a flood from many
// addresses); at about 150 bytes each, 100,000 are 15 MB.
const maxBuckets = 100_000

// sweepEvery is the longest time between sweeps.
const sweepEvery = time.Minute

// allow takes a token for the request's client, or returns how long until
// one is available (and reports the refusal).
func (l *ipLimiter) allow(r *http.Request) (bool, time.Duration) {
	ip := l.key(r)
	ok, wait := l.take(ip)
	if !ok && l.refused != nil {
		l.refused(r, ip)
	}
	return ok, wait
}

func (l *ipLimiter) take(ip netip.Addr) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if since := now.Sub(l.lastSweep); since >= sweepEvery || (len(l.buckets) >= l.max && since >= time.Second) {
		l.sweep(now) // at most once a second, however many addresses flood
	}
	b := l.buckets[ip]
	if b == nil {
		if len(l.buckets) >= l.max {
			// Every bucket is in use: a flood from more addresses than
			// the limiter tracks. New addresses wait for the next sweep.
			return false, time.Second
		}
		b = rate.NewLimiter(l.every, l.burst)
		l.buckets[ip] = b
	}
	if b.AllowN(now, 1) {
		return true, 0
	}
	wait := time.Duration(float64(time.Second) * (1 - b.TokensAt(now)) / float64(l.every))
	return false, wait
}

// sweep drops the buckets that are full again. Callers hold mu.
func (l *ipLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for ip, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, ip)
		}
	}
}

// limited answers 429 when the request is over its client's rate.
func (h *Handler) limited(w http.ResponseWriter, r *http.Request) bool {
	if h.limit == nil {
		return false
	}
	ok, wait := h.limit.allow(r)
	if ok {
		return false
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, "ERR_RATE_LIMITED",
		fmt.Sprintf("too many requests from this address: at most %g a second, in bursts of %d", float64(h.limit.every), h.limit.burst))
	return true
}
