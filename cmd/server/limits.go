package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/weftdev/weft/internal/session"
)

// Limits are the abuse limits (README "Deploying" -> "Limits"). In flags
// and here, 0 turns a limit off; session.Options uses negative numbers for
// that.
type Limits struct {
	MaxConnections      int
	MaxConnectionsPerIP int
	TrustedProxies      []netip.Prefix
	HandshakeTimeout    time.Duration
	OpRate              float64
	OpBurst             int
	PresenceRate        float64
	PresenceBurst       int
	RateStrikes         int
	RateStrikeWindow    time.Duration
	RateLimitBan        time.Duration
	MaxSubscriptions    int
	MaxOpBytes          int
	MaxDocBytes         int64
	APIRate             float64
	APIBurst            int

	proxies string // --trusted-proxies as given; parsed by finish
}

// defaultMaxOpBytes is --max-op-bytes unless set; it is lowered to
// --max-message-bytes when that is smaller.
const defaultMaxOpBytes = 256 << 10

func limitSettings(l *Limits) []setting {
	num := func(dst *int, def int) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.IntVar(dst, n, def, u) }
	}
	rate := func(dst *float64, def float64) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.Float64Var(dst, n, def, u) }
	}
	dur := func(dst *time.Duration, def time.Duration) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.DurationVar(dst, n, def, u) }
	}
	return []setting{
		{"max-connections", "WEFT_MAX_CONNECTIONS", "open WebSocket connections in total; beyond it a new one is closed with 1013 (0: no limit)", num(&l.MaxConnections, 20000)},
		{"max-connections-per-ip", "WEFT_MAX_CONNECTIONS_PER_IP", "open WebSocket connections per client IP (IPv6: per /64); beyond it the upgrade is refused with HTTP 429 (0: no limit)", num(&l.MaxConnectionsPerIP, 256)},
		{"trusted-proxies", "WEFT_TRUSTED_PROXIES", "comma-separated CIDRs (or IPs) of reverse proxies whose X-Forwarded-For names the client IP (e.g. \"127.0.0.1/32,10.0.0.0/8\"); empty: the socket's peer is the client", func(fs *flag.FlagSet, n, u string) { fs.StringVar(&l.proxies, n, "", u) }},
		{"handshake-timeout", "WEFT_HANDSHAKE_TIMEOUT", "time a client has to send its HTTP request headers (the WebSocket upgrade); slower connections are closed", dur(&l.HandshakeTimeout, 10*time.Second)},
		{"op-rate", "WEFT_OP_RATE", "ops per second per connection, sustained; ops beyond it get ERR_RATE_LIMITED (0: no limit)", rate(&l.OpRate, 100)},
		{"op-burst", "WEFT_OP_BURST", "ops a connection may send at once above --op-rate", num(&l.OpBurst, 200)},
		{"presence-rate", "WEFT_PRESENCE_RATE", "presence messages per second per connection, sustained; beyond it they get ERR_RATE_LIMITED (0: no limit)", rate(&l.PresenceRate, 100)},
		{"presence-burst", "WEFT_PRESENCE_BURST", "presence messages a connection may send at once above --presence-rate", num(&l.PresenceBurst, 200)},
		{"rate-limit-strikes", "WEFT_RATE_LIMIT_STRIKES", "rate-limited messages within --rate-limit-window after which the connection is closed with 1008 (0: never close)", num(&l.RateStrikes, 20)},
		{"rate-limit-window", "WEFT_RATE_LIMIT_WINDOW", "the window --rate-limit-strikes counts in", dur(&l.RateStrikeWindow, 10*time.Second)},
		{"rate-limit-ban", "WEFT_RATE_LIMIT_BAN", "after a connection is closed for rate abuse, refuse new connections from its client IP for this long with HTTP 429 (0: no ban)", dur(&l.RateLimitBan, 30*time.Second)},
		{"max-subscriptions", "WEFT_MAX_SUBSCRIPTIONS", "documents, live queries and presence channels one connection may subscribe to; beyond it ERR_TOO_MANY_SUBSCRIPTIONS (0: no limit)", num(&l.MaxSubscriptions, 1000)},
		{"max-op-bytes", "WEFT_MAX_OP_BYTES", "largest op message in bytes; larger ones get ERR_OP_TOO_LARGE (0: only --max-message-bytes applies)", num(&l.MaxOpBytes, defaultMaxOpBytes)},
		{"api-rate", "WEFT_API_RATE", "REST API requests per second per client IP (IPv6: per /64), sustained; beyond it HTTP 429 with Retry-After (0: no limit)", rate(&l.APIRate, 50)},
		{"api-burst", "WEFT_API_BURST", "REST API requests a client IP may send at once above --api-rate (the editor's document list sends one per listed document)", num(&l.APIBurst, 200)},
		{"max-doc-bytes", "WEFT_MAX_DOC_BYTES", "largest document, as the JSON of its snapshot; an op that would grow one past it gets ERR_DOC_TOO_LARGE (0: no limit)", func(fs *flag.FlagSet, n, u string) { fs.Int64Var(&l.MaxDocBytes, n, 16<<20, u) }},
	}
}

// finish parses the proxy list and checks the values.
func (l *Limits) finish(maxMessageBytes int64) error {
	for _, p := range strings.Split(l.proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := parsePrefix(p)
		if err != nil {
			return fmt.Errorf("trusted proxy %q: want a CIDR such as 10.0.0.0/8 or an IP", p)
		}
		l.TrustedProxies = append(l.TrustedProxies, prefix)
	}
	switch {
	case l.MaxConnections < 0 || l.MaxConnectionsPerIP < 0 || l.MaxSubscriptions < 0 || l.MaxOpBytes < 0 || l.MaxDocBytes < 0:
		return errors.New("connection, subscription and size limits must not be negative (0 turns one off)")
	case !(l.OpRate >= 0 && l.PresenceRate >= 0 && l.APIRate >= 0) || math.IsInf(l.OpRate, 0) || math.IsInf(l.PresenceRate, 0) || math.IsInf(l.APIRate, 0):
		return errors.New("op, presence and API rates must be finite numbers, not negative (0 turns one off)")
	case l.OpRate > 0 && l.OpBurst < 1, l.PresenceRate > 0 && l.PresenceBurst < 1, l.APIRate > 0 && l.APIBurst < 1:
		return errors.New("op, presence and API bursts must be at least 1")
	case l.RateStrikes < 0:
		return fmt.Errorf("rate limit strikes %d: must not be negative (0: never close)", l.RateStrikes)
	case l.HandshakeTimeout <= 0 || l.RateStrikeWindow <= 0:
		return errors.New("handshake timeout and rate limit window must be positive")
	case l.RateLimitBan < 0:
		return errors.New("rate limit ban must not be negative (0: no ban)")
	case l.MaxOpBytes == defaultMaxOpBytes && int64(l.MaxOpBytes) > maxMessageBytes:
		// The default op limit follows a smaller message limit down.
		l.MaxOpBytes = int(maxMessageBytes)
	case l.MaxOpBytes > 0 && int64(l.MaxOpBytes) > maxMessageBytes:
		return fmt.Errorf("max op bytes %d exceeds max message bytes %d: an op cannot be larger than its message", l.MaxOpBytes, maxMessageBytes)
	}
	return nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), nil
}

// apply copies the limits into session options (0 -> off).
func (l *Limits) apply(o *session.Options) {
	off := func(v int) int {
		if v == 0 {
			return -1
		}
		return v
	}
	offRate := func(v float64) float64 {
		if v == 0 {
			return -1
		}
		return v
	}
	o.MaxConnections = l.MaxConnections // 0 is already "no cap" there
	o.MaxConnectionsPerIP = off(l.MaxConnectionsPerIP)
	o.TrustedProxies = l.TrustedProxies
	o.OpRate, o.OpBurst = offRate(l.OpRate), l.OpBurst
	o.PresenceRate, o.PresenceBurst = offRate(l.PresenceRate), l.PresenceBurst
	o.RateStrikes, o.RateStrikeWindow = off(l.RateStrikes), l.RateStrikeWindow
	o.RateLimitBan = l.RateLimitBan
	if o.RateLimitBan == 0 {
		o.RateLimitBan = -1
	}
	o.MaxSubscriptions = off(l.MaxSubscriptions)
	o.MaxOpBytes = off(l.MaxOpBytes)
	o.MaxDocBytes = int64(off(int(l.MaxDocBytes)))
}
