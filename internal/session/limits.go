package session

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LimitReason names the abuse limit behind a refusal. Every refusal, of a
// connection or of a message, goes through Manager.refused with one of
// these, so that it can be counted per reason in one place.
type LimitReason string

// The limits (Options documents each one and its default).
const (
	// LimitConnsPerIP: an upgrade beyond MaxConnectionsPerIP (HTTP 429).
	LimitConnsPerIP LimitReason = "connections_per_ip"
	// LimitConns: a connection beyond MaxConnections (closed with 1013).
	LimitConns LimitReason = "connections"
	// LimitOpRate: an op beyond the connection's OpRate (ERR_RATE_LIMITED).
	LimitOpRate LimitReason = "op_rate"
	// LimitPresenceRate: a presence message beyond PresenceRate
	// (ERR_RATE_LIMITED).
	LimitPresenceRate LimitReason = "presence_rate"
	// LimitRateClose: a connection closed with 1008 after RateStrikes
	// rate-limit refusals within RateStrikeWindow.
	LimitRateClose LimitReason = "rate_limit_close"
	// LimitRateBan: an upgrade from an address whose connection was closed
	// for rate abuse less than RateLimitBan ago (HTTP 429).
	LimitRateBan LimitReason = "rate_limit_ban"
	// LimitSubscriptions: a subscription beyond MaxSubscriptions
	// (ERR_TOO_MANY_SUBSCRIPTIONS).
	LimitSubscriptions LimitReason = "subscriptions"
	// LimitOpSize: an op message over MaxOpBytes (ERR_OP_TOO_LARGE).
	LimitOpSize LimitReason = "op_size"
	// LimitDocSize: an op that would grow a document past MaxDocBytes
	// (ERR_DOC_TOO_LARGE).
	LimitDocSize LimitReason = "doc_size"
)

var (
	errRateLimited     = errf(CodeRateLimited, "Too many messages: slow down")
	errTooManySubs     = errf(CodeTooManySubscriptions, "Too many subscriptions on this connection")
	errOpTooLarge      = errf(CodeOpTooLarge, "Op is too large")
	errDocTooLarge     = errf(CodeDocTooLarge, "Op would make the document too large")
	rateLimitedClosing = "rate limit exceeded"
)

// refused is the single place every limit refusal passes through (the
// place to count refusals by reason). It logs at debug level, without
// document content; attrs identify the client.
func (m *Manager) refused(reason LimitReason, attrs ...any) {
	m.obs.Rejected(string(reason))
	if m.opts.Logger.Enabled(context.Background(), slog.LevelDebug) {
		m.opts.Logger.Debug("request refused by a limit", append([]any{"reason", string(reason)}, attrs...)...)
	}
}

// connLimits is a connection's rate-limit state. The read loop owns it.
type connLimits struct {
	op, presence *rate.Limiter // nil: no limit
	strikes      int           // rate refusals since windowStart
	windowStart  time.Time
	closing      bool // RateStrikes reached: the read loop closes the connection
}

func newConnLimits(o *Options) connLimits {
	var l connLimits
	if o.OpRate > 0 {
		l.op = rate.NewLimiter(rate.Limit(o.OpRate), o.OpBurst)
	}
	if o.PresenceRate > 0 {
		l.presence = rate.NewLimiter(rate.Limit(o.PresenceRate), o.PresenceBurst)
	}
	return l
}

// checkLimits applies the per-message limits to a request before it is
// handled; false when it was refused (and answered). Read loop only.
func (c *conn) checkLimits(req *request, size int) bool {
	switch req.a {
	case "op":
		if c.lim.op != nil && !c.lim.op.AllowN(c.m.opts.limitNow(), 1) {
			c.refuse(req, LimitOpRate, errRateLimited)
			return false
		}
		if max := c.m.opts.MaxOpBytes; max > 0 && size > max {
			c.refuse(req, LimitOpSize, errOpTooLarge)
			return false
		}
	case "ps", "pu", "p", "pr":
		if c.lim.presence != nil && !c.lim.presence.AllowN(c.m.opts.limitNow(), 1) {
			c.refuse(req, LimitPresenceRate, errRateLimited)
			return false
		}
	}
	return true
}

// refuse answers req with se, a limit's error, and reports the refusal.
// Rate-limit refusals count as strikes: RateStrikes of them within
// RateStrikeWindow close the connection with CloseRateLimited. Rate
// refusals happen on the read loop only (which owns the strike count);
// other refusals may come from any goroutine.
func (c *conn) refuse(req *request, reason LimitReason, se *shareErr) {
	// The strike is timed before the reply is queued: a client that reads
	// the reply has seen a refusal counted at the time it was made.
	now := c.m.opts.limitNow()
	c.m.refused(reason, "client", c.src(), "remote", c.ip.String(), "action", req.a)
	c.reply(limitReply(req, se))
	if reason != LimitOpRate && reason != LimitPresenceRate {
		return
	}
	if now.Sub(c.lim.windowStart) > c.m.opts.RateStrikeWindow {
		c.lim.windowStart, c.lim.strikes = now, 0
	}
	c.lim.strikes++
	if c.m.opts.RateStrikes > 0 && c.lim.strikes >= c.m.opts.RateStrikes && !c.lim.closing {
		if ban := c.m.opts.RateLimitBan; ban > 0 { // before the client can see the close
			c.m.perIP.ban(c.ip, now, now.Add(ban))
		}
		c.lim.closing = true // the read loop stops and closes (closeForRate)
		c.m.refused(LimitRateClose, "client", c.src(), "remote", c.ip.String())
		c.m.opts.Logger.Info("closing a connection for exceeding rate limits", "client", c.src(), "remote", c.ip.String(), "banned_for", c.m.opts.RateLimitBan)
	}
}

// closeForRate closes the connection with CloseRateLimited once the
// replies already queued (the ERR_RATE_LIMITED ones among them) are
// written, waiting at most WriteTimeout. Read loop only: nothing more is
// read meanwhile.
func (c *conn) closeForRate() {
	deadline := time.NewTimer(c.m.opts.WriteTimeout)
	defer deadline.Stop()
wait:
	for i := 0; i < 64; i++ { // broadcasts queued meanwhile may keep the writer busy
		busy := c.out.busy()
		if busy == nil {
			break
		}
		select {
		case <-busy:
		case <-deadline.C:
			break wait
		case <-c.closed:
			return
		}
	}
	c.closeWith(CloseRateLimited, rateLimitedClosing)
}

// limitReply is the error reply to a refused request: the request's
// identifying fields echoed (never an op's or presence's content, which
// may be large) with "error" added. sharedb clients match a reply by these
// fields (a, c, d, seq for ops; ch, id, pv for presence; id for queries).
func limitReply(req *request, se *shareErr) []byte {
	m := newMsg()
	for _, k := range []string{"a", "c", "d", "v", "src", "seq", "ch", "id", "pv", "b"} {
		if v, ok := req.m[k]; ok {
			m.any(k, v)
		}
	}
	return append(appendError(m.key("error").b, se), '}')
}

// subscriptions is how many subscriptions the connection holds (documents,
// live queries and presence channels). Read loop only.
func (c *conn) subscriptions() int { return len(c.subs) + len(c.queries) + len(c.rooms) }

// allowSubscriptions reports whether n more subscriptions fit under
// MaxSubscriptions. Read loop only.
func (c *conn) allowSubscriptions(n int) bool {
	max := c.m.opts.MaxSubscriptions
	return max <= 0 || n <= 0 || c.subscriptions()+n <= max
}

// ipCounter counts open connections per client address and remembers the
// addresses banned for rate abuse.
type ipCounter struct {
	mu     sync.Mutex // guards n and banned
	n      map[netip.Addr]int
	banned map[netip.Addr]time.Time // until when
}

// acquire counts one more connection of ip at time now, or reports why
// not: the address is banned, or already holds max connections (max <= 0:
// no cap).
func (ic *ipCounter) acquire(ip netip.Addr, max int, now time.Time) (ok bool, why LimitReason) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if until, ok := ic.banned[ip]; ok {
		if now.Before(until) {
			return false, LimitRateBan
		}
		delete(ic.banned, ip)
	}
	if max > 0 && ic.n[ip] >= max {
		return false, LimitConnsPerIP
	}
	if ic.n == nil {
		ic.n = make(map[netip.Addr]int)
	}
	ic.n[ip]++
	return true, ""
}

func (ic *ipCounter) release(ip netip.Addr) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.n[ip] <= 1 {
		delete(ic.n, ip)
		return
	}
	ic.n[ip]--
}

// ban refuses new connections from ip until the given time. Expired bans
// are dropped here and in acquire, so the map holds only live bans.
func (ic *ipCounter) ban(ip netip.Addr, now, until time.Time) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.banned == nil {
		ic.banned = make(map[netip.Addr]time.Time)
	}
	for a, t := range ic.banned {
		if !now.Before(t) {
			delete(ic.banned, a)
		}
	}
	if until.After(ic.banned[ip]) {
		ic.banned[ip] = until
	}
}

// ClientIP returns the address a request is counted under by the per-IP
// limits (connections here, REST requests in the API): the socket's peer,
// or, when the peer is a trusted proxy, the rightmost X-Forwarded-For
// address that is not a trusted proxy. IPv6 addresses are reduced to their
// /64 (one host usually holds a whole /64).
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := parseHostAddr(r.RemoteAddr)
	if peer.IsValid() && isTrusted(peer, trusted) {
		if ip, ok := forwardedFor(r.Header.Values("X-Forwarded-For"), trusted); ok {
			peer = ip
		}
	}
	return accountable(peer)
}

// forwardedFor walks X-Forwarded-For from the right (the hop our trusted
// proxy appended) past trusted proxies; ok is false when the header holds
// no usable address.
func forwardedFor(values []string, trusted []netip.Prefix) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	var last netip.Addr
	for i := len(hops) - 1; i >= 0; i-- {
		ip := parseHostAddr(strings.TrimSpace(hops[i]))
		if !ip.IsValid() {
			break
		}
		last = ip
		if !isTrusted(ip, trusted) {
			return ip, true
		}
	}
	return last, last.IsValid()
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseHostAddr parses "ip", "ip:port" or "[ip]:port" (unmapping IPv4 in
// IPv6); the zero Addr when it is none of those.
func parseHostAddr(s string) netip.Addr {
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap().WithZone("")
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		return netip.Addr{}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap().WithZone("")
}

// accountable maps an IPv6 address to its /64; IPv4 is kept whole.
func accountable(ip netip.Addr) netip.Addr {
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}
