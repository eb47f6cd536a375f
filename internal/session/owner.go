package session

// Document ownership: routing each document's submits to one instance.
//
// Every instance can commit any document: the Store's conditional append
// orders a document's history and its (src, seq) check makes a resubmit
// harmless. But when several instances commit one busy document, they take
// turns on its order (in Postgres, the head row's lock), each commit
// carrying few ops. So when the PubSub also holds leases (Leases), the
// instance holding a document's lease, its owner, commits the submits of
// every instance, and the others forward their clients' submits to it:
//
//   - Lease: an instance whose open document receives a submit and knows no
//     live owner asks the owners goroutine to take the lease (a Redis key
//     set with NX and an expiry of Options.LeaseDuration). The answer, the
//     holder and its remaining time, is cached; the owner renews the leases
//     it holds every third of their duration, and releases one when its
//     document closes and all of them on Shutdown. A document never waits
//     for Redis: while the owner is unknown it commits locally.
//   - Forwarding: a non-owner publishes the submit on the owner's inbox
//     channel (inst:<owner id>), keeps it pending by (src, seq), and
//     replies nothing yet. The owner's document takes it into its batches
//     like a local submit (transform, duplicate check, group commit) and
//     publishes the committed op on the document's channel as usual.
//   - Ack at the origin: when the origin's document applies a committed op
//     matching a pending submit (from the PubSub, a catch-up, a rebase), it
//     sends that client the ops it missed and the ack, as a local commit
//     would; broadcasts skip the op's author as they always do.
//   - Errors and duplicates: the owner answers a refused submit on the
//     origin's inbox with the ShareDB error, which the origin replies
//     (request echoed); a submit the owner finds already committed is
//     answered "duplicate", and the origin then commits it locally, which
//     finds the original in the log and acks its version.
//   - Fallback: a pending submit with no outcome after
//     Options.ForwardTimeout (owner dead, message lost, Redis down) is
//     committed locally. That is exactly once, because every forwarded op
//     carries its base version: if the owner did commit it, the local
//     commit either finds it in the ops since that version, or loses the
//     version race to it and finds it when rebasing; finding it, it
//     publishes it again, because an owner that died between its commit and
//     its publish left the other instances no message showing them the op.
//     The origin then commits locally until the lease it saw expires.
//   - Owner gone: when the PubSub counts the subscribers a message reached
//     (ReachPublisher; Redis's PUBLISH reply) and a forwarded submit
//     reached none, the owner's inbox has no subscriber: the instance has
//     stopped. The publisher tells the owners cache (gone), which forgets
//     that instance as the owner of every document, and wakes the
//     documents with submits pending at it (goneSignal), which fall back at
//     once instead of after ForwardTimeout.
//
// Not forwarded (committed locally as without ownership): submits through
// a projection, and edits or deletes without a version (v null), whose
// resubmit is not recognised as a duplicate.

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Channel and key prefixes of ownership. A document's channel always holds
// a "." (docChannel) and so never equals an inbox channel.
const (
	inboxPrefix = "inst:"
	leasePrefix = "own:"
)

// srcSeq identifies a submit across resubmits and instances.
type srcSeq struct {
	src string
	seq int64
}

// fwdInfo marks a submit another instance forwarded to this one.
type fwdInfo struct {
	origin  string // the forwarding instance's id
	minor12 bool   // the submitting client speaks protocol 1.2 or later
}

// pendingFwd is a submit forwarded to its document's owner, awaiting the
// committed op or an outcome.
type pendingFwd struct {
	s        *submitEv
	owner    string
	deadline time.Time
	gen      uint64 // the owners' gone generation when it was forwarded
}

// fwdOutcomeEv is an owner's answer about a forwarded submit: a refusal
// (err) or a duplicate.
type fwdOutcomeEv struct {
	key srcSeq
	err *shareErr
	dup bool
}

// ownerEntry is what an instance knows of a document's owner: holder
// ("" for none known: commit locally) until the lease may have changed.
type ownerEntry struct {
	holder string
	until  time.Time
}

// owners keeps the leases: a cache of documents' owners, read by document
// goroutines without blocking, and a goroutine that talks to the Leases.
type owners struct {
	leases Leases
	self   string
	ttl    time.Duration
	log    *slog.Logger

	mu     sync.Mutex // guards the maps
	known  map[docKey]ownerEntry
	asking map[docKey]bool // acquires queued or under way
	held   map[docKey]bool // leases this instance holds

	// goneAt records the instances whose inbox a forwarded submit reached
	// no subscriber of (gone), with the generation that found it; sig is
	// replaced, and the old one's channel closed, at each such finding.
	goneAt map[string]goneMark // guarded by mu
	sig    atomic.Pointer[goneSignal]

	ask     chan docKey
	release chan docKey
	done    chan struct{}
	exited  chan struct{}
}

// goneSignal is one generation of the owners' gone findings: ch is closed
// when the next one is made.
type goneSignal struct {
	gen uint64
	ch  chan struct{}
}

type goneMark struct {
	gen uint64
	at  time.Time
}

// maxLeaseBatch bounds the keys of one Leases call.
const maxLeaseBatch = 256

func newOwners(l Leases, self string, ttl time.Duration, log *slog.Logger) *owners {
	o := &owners{leases: l, self: self, ttl: ttl, log: log,
		known: make(map[docKey]ownerEntry), asking: make(map[docKey]bool), held: make(map[docKey]bool),
		goneAt: make(map[string]goneMark),
		ask:    make(chan docKey, 1024), release: make(chan docKey, 1024),
		done: make(chan struct{}), exited: make(chan struct{})}
	o.sig.Store(&goneSignal{ch: make(chan struct{})})
	go o.run()
	return o
}

// gone records that a message forwarded to instance id reached no
// subscriber of its inbox: the instance has stopped (or lost Redis). Its
// documents commit locally until their leases end, as after a fallback,
// and documents with submits pending at it are woken to commit them at
// once (goneSince) instead of after ForwardTimeout.
func (o *owners) gone(id string) {
	o.mu.Lock()
	for k, e := range o.known {
		if e.holder == id {
			o.known[k] = ownerEntry{until: e.until}
		}
	}
	old := o.sig.Load()
	next := &goneSignal{gen: old.gen + 1, ch: make(chan struct{})}
	_, known := o.goneAt[id]
	o.goneAt[id] = goneMark{gen: next.gen, at: time.Now()}
	o.sig.Store(next)
	o.mu.Unlock()
	close(old.ch)
	if !known { // once per instance, not per forward that found it gone
		o.log.Info("a document owner's inbox has no subscriber; committing its documents locally", "owner", id)
	}
}

// goneSince reports whether instance id was found gone after generation
// gen.
func (o *owners) goneSince(id string, gen uint64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	m, ok := o.goneAt[id]
	return ok && m.gen > gen
}

func leaseKey(k docKey) string { return leasePrefix + docChannel(k.c, k.id) }

// ownerOf returns the document's owner as far as known now ("" when none
// is), and when its lease may have ended, asks for it in the background.
// Meanwhile the holder last seen stays the answer: a live owner renews its
// lease long before it ends, so committing locally at every expiry of
// this cache would move the owner's head under it for nothing; a dead
// owner's forwarded submits fall back when its inbox is found gone, or
// after ForwardTimeout.
func (o *owners) ownerOf(k docKey) string {
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.known[k]
	if ok && now.Before(e.until) {
		return e.holder
	}
	if !o.asking[k] {
		select {
		case o.ask <- k:
			o.asking[k] = true
		default: // busy: a later submit asks again
		}
	}
	return e.holder
}

// suspect makes this instance commit the document locally until the
// lease it knows of expires: holder did not answer a forwarded submit.
func (o *owners) suspect(k docKey, holder string) {
	o.mu.Lock()
	if e, ok := o.known[k]; ok && e.holder == holder {
		o.known[k] = ownerEntry{until: e.until}
	}
	o.mu.Unlock()
}

// drop forgets the document (it closed), releasing its lease if held.
func (o *owners) drop(k docKey) {
	o.mu.Lock()
	held := o.held[k]
	delete(o.known, k)
	delete(o.held, k)
	o.mu.Unlock()
	if held {
		select {
		case o.release <- k:
		default:
			// Busy: kept held, it is renewed until released with the
			// others at Shutdown (forwarded submits reopen the document).
			o.mu.Lock()
			o.held[k] = true
			o.mu.Unlock()
		}
	}
}

func (o *owners) run() {
	defer close(o.exited)
	tick := time.NewTicker(o.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case k := <-o.ask:
			o.acquire(collect(k, o.ask))
		case k := <-o.release:
			o.releaseKeys(collect(k, o.release))
		case <-tick.C:
			o.renew()
		case <-o.done:
			// Documents closing on Shutdown queued their releases.
			var keys []docKey
			for len(o.release) > 0 {
				keys = append(keys, <-o.release)
			}
			o.releaseKeys(keys)
			o.releaseAll()
			return
		}
	}
}

// collect returns first and whatever else is queued in ch, up to
// maxLeaseBatch keys.
func collect(first docKey, ch chan docKey) []docKey {
	keys := []docKey{first}
	for len(keys) < maxLeaseBatch {
		select {
		case k := <-ch:
			keys = append(keys, k)
		default:
			return keys
		}
	}
	return keys
}

func (o *owners) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), o.ttl)
}

func leaseKeys(keys []docKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = leaseKey(k)
	}
	return out
}

// acquire tries to take the leases of keys and caches who holds them. On
// failure the documents commit locally for a while before asking again.
func (o *owners) acquire(keys []docKey) {
	start := time.Now()
	ctx, cancel := o.ctx()
	holders, left, err := o.leases.AcquireLeases(ctx, o.self, leaseKeys(keys), o.ttl)
	cancel()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, k := range keys {
		delete(o.asking, k)
		if err != nil {
			o.known[k] = ownerEntry{until: start.Add(o.ttl / 3)}
			continue
		}
		// The lease was measured after start: counting from start keeps
		// the cached time no later than the lease's end.
		o.known[k] = ownerEntry{holder: holders[i], until: start.Add(left[i])}
		if holders[i] == o.self {
			o.held[k] = true
		}
	}
	if err != nil {
		o.log.Warn("acquire document leases; committing locally", "docs", len(keys), "err", err)
	}
}

// renew extends the leases held and forgets expired cache entries.
func (o *owners) renew() {
	now := time.Now()
	o.mu.Lock()
	var keys []docKey
	for k := range o.held {
		keys = append(keys, k)
	}
	for k, e := range o.known {
		// An entry stays a lease's length past its end: ownerOf answers
		// with it while asking again.
		if now.Sub(e.until) > o.ttl && !o.held[k] && !o.asking[k] {
			delete(o.known, k)
		}
	}
	for id, m := range o.goneAt {
		// By then every submit pending at it has fallen back anyway.
		if now.Sub(m.at) > 2*o.ttl {
			delete(o.goneAt, id)
		}
	}
	o.mu.Unlock()
	for batch := range slices.Chunk(keys, maxLeaseBatch) {
		ctx, cancel := o.ctx()
		held, err := o.leases.RenewLeases(ctx, o.self, leaseKeys(batch), o.ttl)
		cancel()
		if err != nil {
			o.log.Warn("renew document leases", "docs", len(batch), "err", err)
			continue // they expire unless the next renewal succeeds
		}
		o.mu.Lock()
		for i, k := range batch {
			if !o.held[k] {
				continue // dropped meanwhile
			}
			if held[i] {
				o.known[k] = ownerEntry{holder: o.self, until: now.Add(o.ttl)}
			} else {
				delete(o.held, k)
				delete(o.known, k)
			}
		}
		o.mu.Unlock()
	}
}

func (o *owners) releaseKeys(keys []docKey) {
	if len(keys) == 0 {
		return
	}
	o.mu.Lock()
	keys = keepUnheld(keys, o.held) // a document reopened meanwhile keeps its lease
	o.mu.Unlock()
	o.giveUp(keys)
}

// giveUp releases the leases of keys, maxLeaseBatch keys per round trip.
func (o *owners) giveUp(keys []docKey) {
	for batch := range slices.Chunk(keys, maxLeaseBatch) {
		ctx, cancel := o.ctx()
		if err := o.leases.ReleaseLeases(ctx, o.self, leaseKeys(batch)); err != nil {
			o.log.Warn("release document leases", "docs", len(batch), "err", err)
		}
		cancel()
	}
}

func keepUnheld(keys []docKey, held map[docKey]bool) []docKey {
	out := keys[:0]
	for _, k := range keys {
		if !held[k] {
			out = append(out, k)
		}
	}
	return out
}

// releaseAll releases every lease held (on Shutdown).
func (o *owners) releaseAll() {
	o.mu.Lock()
	var keys []docKey
	for k := range o.held {
		keys = append(keys, k)
	}
	clear(o.held)
	clear(o.known)
	o.mu.Unlock()
	o.giveUp(keys)
}

// close stops the goroutine after releasing the leases held.
func (o *owners) close() {
	close(o.done)
	<-o.exited
}

// startOwnership turns ownership on when the PubSub holds leases: it
// subscribes this instance's inbox and starts the goroutines.
func (m *Manager) startOwnership() {
	o := m.opts
	l, ok := o.PubSub.(Leases)
	if !ok || o.DisableOwnership || o.SuppressPublish {
		return
	}
	m.inbox = make(chan []byte, 4096)
	m.inboxStop = make(chan struct{})
	m.inboxDone = make(chan struct{})
	cancel, err := o.PubSub.Subscribe(context.Background(), inboxPrefix+m.instance, func(b []byte) {
		select {
		case m.inbox <- b:
		default: // full: the origin falls back after ForwardTimeout
		}
	})
	if err != nil {
		o.Logger.Warn("subscribe instance inbox; documents commit locally", "err", err)
		return
	}
	m.inboxCancel = cancel
	m.owners = newOwners(l, m.instance, o.LeaseDuration, o.Logger)
	owners := m.owners
	m.pub.unreached = func(channel string) { owners.gone(strings.TrimPrefix(channel, inboxPrefix)) }
	go m.runInbox()
	o.Logger.Info("document ownership on", "instance", m.instance, "lease", o.LeaseDuration, "forward_timeout", o.ForwardTimeout)
}

// stopOwnership undoes startOwnership once the documents have exited.
func (m *Manager) stopOwnership() {
	if m.owners == nil {
		return
	}
	m.inboxCancel()
	close(m.inboxStop)
	<-m.inboxDone
	m.owners.close()
}

// runInbox hands the messages of this instance's inbox to documents.
func (m *Manager) runInbox() {
	defer close(m.inboxDone)
	for {
		select {
		case b := <-m.inbox:
			m.routeInbox(b)
		case <-m.inboxStop:
			return
		}
	}
}

// routeInbox decodes an inbox message: a forwarded submit ("a":"op") or an
// outcome of one ("a":"wr").
func (m *Manager) routeInbox(b []byte) {
	req, e := parseRequest(b)
	if e != nil {
		m.opts.Logger.Warn("bad inbox message", "err", e)
		return
	}
	c, _, _ := req.str("c")
	id, _, _ := req.str("d")
	src, _, _ := req.str("src")
	seq, okSeq := toInt(req.m["seq"])
	if c == "" || id == "" || src == "" || !okSeq {
		m.opts.Logger.Warn("bad inbox message", "a", req.a)
		return
	}
	switch req.a {
	case "op":
		origin, _, _ := req.str("wo")
		s := &submitEv{req: req, fwd: &fwdInfo{origin: origin, minor12: req.m["w12"] == true}}
		s.op.Src, s.op.Seq = src, seq
		var e *shareErr
		if s.op.Version, s.hasV, e = req.version("v"); e == nil {
			e = readOpBody(req, &s.op)
		}
		if e != nil || origin == "" {
			m.opts.Logger.Warn("bad forwarded submit", "err", e)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), m.opts.ForwardTimeout)
		_, _ = m.send(ctx, c, id, s)
		cancel()
	case "wr":
		ev := &fwdOutcomeEv{key: srcSeq{src, seq}, dup: req.m["dup"] == true}
		if em, ok := req.m["error"].(map[string]any); ok {
			code, _ := em["code"].(string)
			msg, _ := em["message"].(string)
			ev.err = errf(code, msg)
		}
		m.sendOpen(c, id, ev)
	}
}

// sendOpen delivers ev to the document if it is open, without waiting
// for room in its inbox (a dropped outcome ends in the fallback).
func (m *Manager) sendOpen(c, id string, ev event) {
	m.mu.Lock()
	d := m.docs[docKey{c, id}]
	if d != nil && !m.stopping {
		d.senders++
	} else {
		d = nil
	}
	m.mu.Unlock()
	if d == nil {
		return
	}
	defer m.release(d)
	select {
	case d.inbox <- ev:
	default:
	}
}

// route forwards the submits of batch that the document's owner, another
// instance, should commit, and returns the others.
func (d *document) route(batch []*submitEv) []*submitEv {
	if d.m.owners == nil {
		return batch
	}
	owner := ""
	asked := false
	local := batch[:0]
	for _, s := range batch {
		if s.fwd != nil || s.local || s.conn == nil || s.proj != nil || !s.hasV {
			local = append(local, s)
			continue
		}
		if !asked {
			owner, asked = d.m.owners.ownerOf(d.key), true
		}
		if owner == "" || owner == d.m.instance || !d.forward(s, owner) {
			local = append(local, s)
		}
	}
	clear(batch[len(local):])
	return local
}

// catchUpFor reads the ops the store has beyond the document's version
// when a forwarded submit of batch is based on a newer version: the origin
// saw ops that have not reached this instance yet (their PubSub message
// is behind the forwarded submit, or was lost), and without them the
// submit would be refused as newer than the document.
func (d *document) catchUpFor(batch []*submitEv) {
	for _, s := range batch {
		if s.fwd != nil && s.hasV && s.op.Version > d.version {
			d.catchUp()
			return
		}
	}
}

// forward sends s to owner and keeps it pending; false when it could not
// be encoded (it is then committed locally).
func (d *document) forward(s *submitEv, owner string) bool {
	k := srcSeq{s.op.Src, s.op.Seq}
	if p := d.pending[k]; p != nil {
		// A resubmit (a reconnected client) of a submit already
		// forwarded: its outcome answers this connection.
		p.s = s
		return true
	}
	msg, err := d.forwardMessage(s)
	if err != nil {
		d.m.opts.Logger.Warn("encode forwarded submit", "collection", d.key.c, "doc", d.key.id, "err", err)
		return false
	}
	gen := d.m.owners.sig.Load().gen // before the publish that may find the owner gone
	d.m.pub.publish(inboxPrefix+owner, msg)
	if d.pending == nil {
		d.pending = make(map[srcSeq]*pendingFwd)
	}
	d.pending[k] = &pendingFwd{s: s, owner: owner, deadline: time.Now().Add(d.m.opts.ForwardTimeout), gen: gen}
	d.armForward()
	if fo, ok := d.m.obs.(OwnershipObserver); ok {
		fo.SubmitForwarded()
	}
	return true
}

// forwardMessage encodes a submit for the owner's inbox: its op message
// (as entryFor encodes it, with src, seq and version) plus the origin's id
// (wo) and whether the client speaks protocol 1.2 (w12).
func (d *document) forwardMessage(s *submitEv) ([]byte, error) {
	e, err := d.entryFor(&s.op)
	if err != nil {
		return nil, err
	}
	m := &msg{b: e.msg[:len(e.msg)-1]} // reopened: the fields go on
	m.str("wo", d.m.instance)
	if s.minor12() {
		m.raw("w12", []byte("true"))
	}
	return m.bytes(), nil
}

// armForward arms the fallback timer for the earliest pending deadline,
// unless it is armed already (deadlines only grow, so an armed timer
// fires no later than the earliest).
func (d *document) armForward() {
	if d.fwdC != nil || len(d.pending) == 0 {
		return
	}
	var first time.Time
	for _, p := range d.pending {
		if first.IsZero() || p.deadline.Before(first) {
			first = p.deadline
		}
	}
	wait := time.Until(first)
	if d.fwdTimer == nil {
		d.fwdTimer = time.NewTimer(wait)
	} else {
		d.fwdTimer.Reset(wait)
	}
	d.fwdC = d.fwdTimer.C
}

// forwardExpired commits locally the pending submits whose owner did not
// answer in time, and commits locally until that owner's lease expires.
func (d *document) forwardExpired() {
	d.fwdC = nil
	now := time.Now()
	d.fallBack(func(p *pendingFwd) bool { return !now.Before(p.deadline) })
	d.armForward()
}

// goneSignal returns the channel to wait on for owners found gone while
// submits are pending, nil when none are; pending submits whose owner was
// found gone since they were forwarded are committed locally first.
func (d *document) goneSignal() <-chan struct{} {
	if len(d.pending) == 0 {
		return nil
	}
	sig := d.m.owners.sig.Load()
	if sig.gen != d.goneSeen {
		d.goneSeen = sig.gen
		d.fallBack(func(p *pendingFwd) bool { return d.m.owners.goneSince(p.owner, p.gen) })
	}
	return sig.ch
}

// fallBack commits locally the pending submits that due selects.
func (d *document) fallBack(due func(*pendingFwd) bool) {
	var batch []*submitEv
	for k, p := range d.pending {
		if !due(p) {
			continue
		}
		delete(d.pending, k)
		d.m.owners.suspect(d.key, p.owner)
		p.s.local = true
		batch = append(batch, p.s)
	}
	if len(batch) == 0 {
		return
	}
	if fo, ok := d.m.obs.(OwnershipObserver); ok {
		fo.ForwardFellBack(len(batch))
	}
	d.m.opts.Logger.Debug("forwarded submits unanswered; committing locally", "collection", d.key.c, "doc", d.key.id, "n", len(batch))
	d.extendable = false
	d.handleSubmits(batch)
}

// handleOutcome answers a pending submit the owner refused, and commits
// locally one it found already committed (the local commit acks it at its
// original version).
func (d *document) handleOutcome(e *fwdOutcomeEv) {
	p := d.pending[e.key]
	if p == nil {
		return // already settled
	}
	delete(d.pending, e.key)
	switch {
	case e.err != nil:
		d.fail(p.s, e.err)
	case e.dup:
		p.s.local = true
		d.extendable = false
		d.handleSubmits([]*submitEv{p.s})
	}
}

// settle acks the pending submit that e, an op just applied and committed,
// is: the client is sent the ops it missed, then the ack.
func (d *document) settle(e *tailEntry) {
	k := srcSeq{e.op.Src, e.op.Seq}
	p := d.pending[k]
	if p == nil {
		return
	}
	s := p.s
	var missed []tailEntry
	if base := s.op.Version; base < e.op.Version {
		entries, err := d.opsFrom(base)
		if err != nil {
			// Left pending: the fallback commits it locally, which finds
			// it committed and acks it.
			d.m.opts.Logger.Warn("ops missed by a forwarded submit", "collection", d.key.c, "doc", d.key.id, "err", err)
			return
		}
		missed = entries[:min(int64(len(entries)), e.op.Version-base)]
	}
	delete(d.pending, k)
	d.replyMissed(s, missed)
	s.conn.reply(ackMessage(s.coll(d), d.key.id, s.op.Src, s.op.Seq, e.op.Version))
	if !s.start.IsZero() {
		d.m.obs.SubmitAcked(time.Since(s.start))
	}
}

// fail answers a submit with an error: to its connection, or for a
// forwarded submit to the instance that forwarded it.
func (d *document) fail(s *submitEv, e *shareErr) {
	switch {
	case s.fwd != nil:
		d.answerForwarded(s, newMsg().raw("error", appendError(nil, e)))
	case e == errDocTooLarge || e.Code == CodeDocTooLarge:
		s.conn.refuse(s.req, LimitDocSize, e)
	default:
		s.conn.replyError(s.req, e)
	}
}

// answerForwarded sends the origin of a forwarded submit its outcome
// (the fields of m plus the submit's document, src and seq).
func (d *document) answerForwarded(s *submitEv, m *msg) {
	b := m.str("a", "wr").str("c", d.key.c).str("d", d.key.id).str("src", s.op.Src).num("seq", s.op.Seq).bytes()
	d.m.pub.publish(inboxPrefix+s.fwd.origin, b)
}

// OwnershipObserver is an Observer also told about submits forwarded to
// their document's owner (see owner.go). The Manager checks for it with a
// type assertion.
type OwnershipObserver interface {
	// SubmitForwarded reports a submit sent to its document's owner.
	SubmitForwarded()
	// ForwardFellBack reports n forwarded submits committed locally
	// instead: left unanswered for Options.ForwardTimeout, or their owner
	// found gone.
	ForwardFellBack(n int)
}
