package session

import (
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/weftdev/weft/internal/ot"
)

// Options configures a Manager. Store and Registry are required; every
// other zero field takes the default named in its comment.
type Options struct {
	// Store is the durable record of documents. Required.
	Store Store
	// PubSub connects this Manager to others serving the same documents.
	// nil runs the Manager alone.
	PubSub PubSub
	// Registry resolves OT types. Required.
	Registry *ot.Registry
	// Logger receives the Manager's logs (default: discard).
	Logger *slog.Logger
	// Observer is told about commits, acks, retries, gaps and rejections,
	// for metrics and traces (default: none). See Observer.
	Observer Observer
	// Now is the clock for op timestamps and credential expiry (default
	// time.Now).
	Now func() time.Time
	// AfterFunc schedules f after d, as time.AfterFunc does, returning a
	// function that cancels it (default: time.AfterFunc). Connections use
	// it to close when their credentials expire; tests give it a clock
	// they drive.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)

	// Authenticator, when set, must accept every WebSocket upgrade (401
	// otherwise), and the Principal it returns is consulted for every
	// read, write and presence (see access.go). nil serves everyone
	// everything.
	Authenticator Authenticator

	// ReadLimit bounds one incoming message after decompression, in bytes
	// (default 1 MiB). A larger message closes the connection with 1009.
	ReadLimit int64
	// SendQueue is the number of outgoing messages a connection may have
	// queued (default 1024). A client that lets it fill is closed with 1008.
	SendQueue int
	// WriteTimeout bounds the write of one batch of queued frames
	// (default 10 s).
	WriteTimeout time.Duration
	// PingInterval is the keepalive ping period (default 30 s; negative
	// disables pings). PingTimeout bounds the wait for the pong (default
	// 15 s); a missed pong closes the connection.
	PingInterval, PingTimeout time.Duration
	// OriginPatterns are the Origin hosts accepted besides the request's own
	// host (path.Match patterns, as coder/websocket's AcceptOptions). Empty:
	// same origin only. Requests without Origin (non-browser) are accepted.
	OriginPatterns []string
	// DisableCompression turns permessage-deflate off. NoContextTakeover
	// negotiates it without context takeover (less memory per connection).
	DisableCompression, NoContextTakeover bool
	// MaxConnections caps open connections (0: no cap). Upgrades beyond it
	// are accepted and closed with 1013 (CloseTryAgainLater), which a
	// browser's WebSocket reports, unlike an HTTP status.
	MaxConnections int

	// Abuse limits (see limits.go). Each refusal goes through
	// Manager.refused, with a LimitReason.

	// MaxConnectionsPerIP caps the open connections of one client IP
	// (default 256; negative: no cap). IPv6 addresses count per /64.
	// Upgrades beyond it are refused before upgrading with HTTP 429.
	MaxConnectionsPerIP int
	// TrustedProxies are the peers whose X-Forwarded-For is believed: when
	// the socket's peer is in one of them, the client IP is the rightmost
	// X-Forwarded-For address that is not itself a trusted proxy. Empty
	// (the default): the socket's peer is the client.
	TrustedProxies []netip.Prefix
	// OpRate and OpBurst are a token bucket for op messages per connection
	// (default 100 per second, bursts of 200; negative OpRate: no limit).
	// An op beyond it is refused with ERR_RATE_LIMITED.
	OpRate  float64
	OpBurst int
	// PresenceRate and PresenceBurst are the same for presence messages
	// (ps, pu, p, pr; default 100 per second, bursts of 200; negative
	// PresenceRate: no limit).
	PresenceRate  float64
	PresenceBurst int
	// RateStrikes is how many rate-limit refusals within RateStrikeWindow
	// close the connection with 1008 (CloseRateLimited; default 20 within
	// 10 s; negative RateStrikes: never close).
	RateStrikes      int
	RateStrikeWindow time.Duration
	// RateLimitBan is how long, after a connection was closed for rate
	// abuse, new connections from its address are refused with HTTP 429
	// (default 30 s; negative: no ban). Without it a client could reconnect
	// and spend a fresh burst each time.
	RateLimitBan time.Duration
	// MaxSubscriptions caps what one connection holds open: subscribed
	// documents, live queries and presence channels together (default
	// 1000; negative: no cap). Requests beyond it are refused with
	// ERR_TOO_MANY_SUBSCRIPTIONS.
	MaxSubscriptions int
	// MaxOpBytes caps the size of an op message, in bytes as received
	// (default 256 KiB; negative: no cap besides ReadLimit). Larger ops
	// are refused with ERR_OP_TOO_LARGE; the connection stays open.
	MaxOpBytes int
	// MaxDocBytes caps a document's size, as the JSON encoding of its
	// snapshot (default 16 MiB; negative: no cap). An op that would make a
	// document larger than this, and larger than it was, is refused with
	// ERR_DOC_TOO_LARGE and the document is left as it was.
	MaxDocBytes int64

	// IdleTimeout is how long a document with no subscribers stays open
	// (default 1 min).
	IdleTimeout time.Duration
	// TailSize is the number of recent ops kept in memory per document
	// (default 1000): at least TailSize once that many were committed, and
	// fewer than twice TailSize (the tail is trimmed in bulk).
	TailSize int
	// SnapshotEvery writes a snapshot with every commit that reaches a
	// multiple of this many ops (default 100).
	SnapshotEvery int64
	// MaxBatch caps the ops of one document in one commit (default 256).
	MaxBatch int
	// MaxCommitBatch caps the documents in one Store.Commit (default 256).
	MaxCommitBatch int
	// CommitWorkers is how many Store.Commit calls may run at once
	// (default 1: every commit waits for the one under way, which then
	// carries the most documents). A store that runs commits in parallel
	// (Postgres, with several connections) gains from more: a batch held up
	// by another instance's row locks no longer holds up every document.
	CommitWorkers int
	// MaxSubmitRetries bounds commit retries after losing the version race
	// to another instance (default 200; negative: no limit, as ShareDB's
	// default). Each retry costs one store read, so the bound only stops a
	// submit that keeps losing on a very hot document; it then fails with
	// ERR_MAX_SUBMIT_RETRIES_EXCEEDED and the client may resubmit.
	MaxSubmitRetries int
	// InboxSize is a document's inbox capacity (default 256).
	InboxSize int
	// StoreTimeout bounds each Store call (default 10 s).
	StoreTimeout time.Duration
	// HeadCheckInterval is how often an open document compares its version
	// with the store's head to catch ops a lossy PubSub dropped (default
	// 30 s; negative disables).
	HeadCheckInterval time.Duration

	// DisableOwnership turns off routing each document's submits to one
	// owning instance (owner.go), which is on whenever PubSub implements
	// Leases (Redis, Memory): every instance then commits its own
	// clients' submits.
	DisableOwnership bool
	// LeaseDuration is how long a document's ownership lease lasts
	// unless its owner renews it (default 5 s); it bounds how long
	// others keep forwarding to an owner that died.
	LeaseDuration time.Duration
	// ForwardTimeout is how long a submit forwarded to its document's
	// owner may go unanswered before it is committed locally (default
	// 2 s).
	ForwardTimeout time.Duration

	// DisablePresence turns presence off, as ShareDB without its presence
	// option: p and ps messages get no reply and have no effect (pu and pr
	// are still answered).
	DisablePresence bool
	// DoNotCommitNoOps acknowledges an op that is a no-op after transform
	// without committing it (no new version); clients of protocol 1.2 get
	// ERR_NO_OP, which the sharedb client treats as an ack.
	DoNotCommitNoOps bool
	// SuppressPublish commits ops without sending them to subscribers,
	// other Managers or live queries (queries see them when they re-run).
	SuppressPublish bool
	// Projections are named, field-restricted views of json0 collections
	// (see Projection). More can be added with Manager.AddProjection.
	Projections []Projection
	// QueryDialect chooses the query language of qf/qs (default
	// QueryDialectWeft).
	QueryDialect QueryDialect

	// limitNow is the clock of the rate limits and bans (default time.Now;
	// tests replace it). It is apart from Now, whose every call may stamp
	// an op.
	limitNow func() time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.Store == nil {
		return o, errors.New("session: Options.Store is required")
	}
	if o.Registry == nil {
		return o, errors.New("session: Options.Registry is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.limitNow == nil {
		o.limitNow = time.Now
	}
	if o.AfterFunc == nil {
		o.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	setDefault(&o.ReadLimit, 1<<20)
	setDefault(&o.SendQueue, 1024)
	setDefault(&o.WriteTimeout, 10*time.Second)
	setDefault(&o.PingInterval, 30*time.Second)
	setDefault(&o.PingTimeout, 15*time.Second)
	setDefault(&o.IdleTimeout, time.Minute)
	setDefault(&o.TailSize, 1000)
	setDefault(&o.SnapshotEvery, 100)
	setDefault(&o.MaxBatch, 256)
	setDefault(&o.MaxCommitBatch, 256)
	setDefault(&o.CommitWorkers, 1)
	setDefault(&o.MaxSubmitRetries, 200)
	setDefault(&o.InboxSize, 256)
	setDefault(&o.StoreTimeout, 10*time.Second)
	setDefault(&o.HeadCheckInterval, 30*time.Second)
	setDefault(&o.LeaseDuration, 5*time.Second)
	setDefault(&o.ForwardTimeout, 2*time.Second)
	setDefault(&o.MaxConnectionsPerIP, 256)
	setDefault(&o.OpRate, 100)
	setDefault(&o.OpBurst, 200)
	setDefault(&o.PresenceRate, 100)
	setDefault(&o.PresenceBurst, 200)
	setDefault(&o.RateStrikes, 20)
	setDefault(&o.RateStrikeWindow, 10*time.Second)
	setDefault(&o.RateLimitBan, 30*time.Second)
	setDefault(&o.MaxSubscriptions, 1000)
	setDefault(&o.MaxOpBytes, 256<<10)
	setDefault(&o.MaxDocBytes, 16<<20)
	if o.OpBurst < 0 || o.PresenceBurst < 0 || o.RateStrikeWindow < 0 {
		return o, errors.New("session: rate-limit bursts and window must not be negative")
	}
	return o, nil
}

func setDefault[T int | int64 | float64 | time.Duration](p *T, def T) {
	if *p == 0 {
		*p = def
	}
}
