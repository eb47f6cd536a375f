package session

import (
	"time"

	"github.com/weftdev/weft/internal/ot"
)

// submitEv is an op submitted by a client. op.Src is always set (the
// connection's id when the message had none); op.Version is meaningful only
// when hasV.
type submitEv struct {
	conn *conn
	req  *request
	op   ot.Op
	hasV bool
	proj *projection // set when submitted through a projection
	// start is when the submit was read off the socket (for
	// Observer.SubmitAcked).
	start time.Time
	// fwd is set on a submit another instance forwarded (conn is then
	// nil): its outcome goes back to that instance (owner.go).
	fwd *fwdInfo
	// local keeps a submit from being forwarded to the document's owner
	// (a fallback after the owner did not answer).
	local bool
}

// submitResult is the outcome of one submit within a batch.
type submitResult struct {
	missed []tailEntry // ops the submitter had not seen, sent before the ack
	ack    int64       // version the op was applied (or originally committed) at
	err    *shareErr
	op     *tailEntry // the op this submit appended, nil for errors and duplicates
	// dup is the original of a duplicate submit (a copy: the tail moves).
	dup *tailEntry
}

// handleSubmits runs a batch of submits through the pipeline, commits the
// resulting ops in one Store.Commit and replies. A lost version race reloads
// the document and reruns the batch, up to MaxSubmitRetries times.
func (d *document) handleSubmits(batch []*submitEv) {
	if e := d.ensureLoaded(); e != nil {
		for _, s := range batch {
			d.fail(s, e)
		}
		return
	}
	if batch = d.route(batch); len(batch) == 0 {
		return
	}
	d.catchUpFor(batch)
	for attempt := 0; ; attempt++ {
		start := d.version
		kept := d.keep()
		results := make([]submitResult, len(batch))
		for i, s := range batch {
			results[i] = d.process(s)
		}
		if d.version == start {
			d.reply(batch, results)
			return
		}
		ops := d.tail[int64(len(d.tail))-(d.version-start):]
		rebased, rstart := false, start
		var rebase func([]ot.Op) (Commit, bool)
		if kept != nil {
			// Runs while the store holds the document's order: roll back,
			// apply the ops another instance committed first, transform
			// the batch (and the submits that arrived meanwhile) over them
			// and commit the result in the same transaction.
			rebase = func(missed []ot.Op) (Commit, bool) {
				if !d.rollback(kept, missed) {
					rebased = false
					return Commit{}, false
				}
				rebased, rstart = true, d.version
				// Submits that arrived while the commit waited for the
				// document's lock go out in the same commit.
				batch = append(batch, d.moreSubmits(d.m.opts.MaxBatch-len(batch))...)
				results = make([]submitResult, len(batch))
				for i, s := range batch {
					results[i] = d.process(s)
				}
				if d.version == rstart {
					return Commit{}, false
				}
				return d.commitFor(rstart, d.tail[int64(len(d.tail))-(d.version-rstart):]), true
			}
		}
		ok, err := d.m.commits.commit(d.commitFor(start, ops), rebase)
		if err == nil && (rebased || !ok) {
			d.m.obs.CommitRetried() // the race was lost (and maybe resolved in the store)
		}
		if err == nil && (ok || (rebased && d.version == rstart)) {
			// Committed, or rebased onto ops that leave nothing to write
			// (every submit was a duplicate or failed): reply.
			if ok {
				d.m.obs.OpsCommitted(d.typeName(), int(d.version-rstart))
			}
			d.reply(batch, results)
			d.trimTail()
			return
		}
		if err == nil && kept != nil && !d.retriesExhausted(attempt) && d.rebase(kept) {
			continue
		}
		d.unload(start)
		if lerr := d.ensureLoaded(); lerr != nil || err != nil || d.retriesExhausted(attempt) {
			e := errf(CodeMaxRetries, "Maximum submit retries exceeded")
			if err != nil || lerr != nil {
				d.m.opts.Logger.Error("commit", "collection", d.key.c, "doc", d.key.id, "err", err, "load", lerr)
				e = errInternal
			}
			for _, s := range batch {
				d.fail(s, e)
			}
			return
		}
	}
}

// keptState is a document's state before a submit batch, kept so that a
// batch that loses the version race can be rolled back without reloading
// the document.
type keptState struct {
	typ                         ot.Type
	data                        any
	version, mtime, snapVersion int64
	tailLen                     int
}

// keep returns the current state when it can be kept without a copy (the
// document does not exist, or its type's snapshots are persistent), nil
// otherwise.
func (d *document) keep() *keptState {
	if d.typ != nil {
		if _, ok := d.typ.(ot.Persistent); !ok {
			return nil
		}
	}
	return &keptState{typ: d.typ, data: d.data, version: d.version, mtime: d.mtime,
		snapVersion: d.snapVersion, tailLen: len(d.tail)}
}

// rebase rolls a batch that lost the version race back to the kept state
// and applies the ops other instances committed since (one store read of
// just those ops), sending them to the local subscribers. It reports false
// when that failed; the caller then reloads the document.
func (d *document) rebase(k *keptState) bool {
	ctx, cancel := d.m.storeCtx()
	ops, err := d.m.opts.Store.Ops(ctx, d.key.c, d.key.id, k.version, -1)
	cancel()
	if err != nil {
		d.m.opts.Logger.Warn("catch up after a lost commit race", "collection", d.key.c, "doc", d.key.id, "err", err)
		return false
	}
	return d.rollback(k, ops)
}

// rollback restores the kept state and applies ops, committed ops from the
// kept version on, sending them to the local subscribers. It reports false
// when an op did not apply; the caller then reloads the document.
func (d *document) rollback(k *keptState, ops []ot.Op) bool {
	d.typ, d.data, d.version, d.mtime, d.snapVersion = k.typ, k.data, k.version, k.mtime, k.snapVersion
	clear(d.tail[k.tailLen:])
	d.tail = d.tail[:k.tailLen]
	for i := range ops {
		if err := d.applyStored(&ops[i]); err != nil {
			d.m.opts.Logger.Warn("catch up after a lost commit race", "collection", d.key.c, "doc", d.key.id, "err", err)
			return false
		}
		d.broadcast(&d.tail[len(d.tail)-1])
	}
	return true
}

// commitFor builds the Commit of the ops appended since version start,
// carrying a snapshot when the batch crosses a multiple of SnapshotEvery.
func (d *document) commitFor(start int64, entries []tailEntry) Commit {
	cm := Commit{Collection: d.key.c, ID: d.key.id, Ops: make([]ot.Op, len(entries))}
	for i := range entries {
		cm.Ops[i] = entries[i].op
	}
	n := d.m.opts.SnapshotEvery
	if start/n != d.version/n {
		if snap, err := d.snapshot(); err == nil {
			cm.Snapshot = &snap
			d.snapVersion = d.version
		}
	}
	return cm
}

// reply sends each submitter its missed ops and its ack (or error), and
// every committed op to the other subscribers, live queries and the PubSub.
func (d *document) reply(batch []*submitEv, results []submitResult) {
	for i, s := range batch {
		r := &results[i]
		if r.err != nil {
			d.fail(s, r.err)
			continue
		}
		switch {
		case s.fwd == nil:
			d.replyMissed(s, r.missed)
			s.conn.reply(ackMessage(s.coll(d), d.key.id, s.op.Src, s.op.Seq, r.ack))
			if !s.start.IsZero() {
				d.m.obs.SubmitAcked(time.Since(s.start))
			}
			if r.dup != nil {
				// A resubmit means its client never heard the ack: the
				// instance that committed the original may have died
				// before publishing it, leaving the other instances'
				// subscribers behind with nothing to show them the gap.
				// Publish it again; instances that have it ignore it.
				d.publish(r.dup)
			}
		case r.op == nil:
			// A forwarded duplicate is answered on the origin's inbox; a
			// forwarded op, by the publish below.
			d.answerForwarded(s, newMsg().raw("dup", []byte("true")))
		}
		if r.op != nil {
			d.broadcast(r.op)
			d.publish(r.op)
		}
	}
}

// broadcast sends a committed op to the subscribers other than its author
// and to live queries, and acks it first if it is a submit this instance
// forwarded to the document's owner (settle).
func (d *document) broadcast(e *tailEntry) {
	if len(d.pending) > 0 {
		d.settle(e)
	}
	for c := range d.subs {
		if c.src() != e.op.Src {
			c.enqueue(e.msg)
		}
	}
	d.broadcastProjected(e)
	d.m.queries.changed(d.key.c, d.key.id, e.op.Src, e.msg, e.op.Del, func(p *projection) []byte { return d.projectedMsg(p, e) })
}

// process runs one submit against the current state: type lookup,
// duplicate detection, transform, validation, apply. On success the op is
// appended to the tail (not yet committed).
func (d *document) process(s *submitEv) submitResult {
	op := s.op
	if e := d.checkSubmittedJSON0(&op); e != nil {
		return submitResult{err: e}
	}
	if op.Create != nil {
		typ, err := d.m.opts.Registry.Lookup(op.Create.Type)
		if err != nil {
			return submitResult{err: errf(CodeOpBadlyFormed, "Missing create type")}
		}
		op.Create = &ot.Create{Type: typ.URI(), Data: op.Create.Data}
	}
	if !s.hasV {
		if op.Create != nil && d.typ != nil {
			return d.createOnExisting(&op)
		}
		op.Version = d.version
	}
	if op.Version > d.version {
		return submitResult{err: errf(CodeVersionNewer, "Invalid op submitted. Op version newer than current snapshot")}
	}
	var missed []tailEntry
	if op.Version < d.version {
		var res *submitResult
		if missed, res = d.transformUp(&op); res != nil {
			return *res
		}
		if d.skipNoOp(s, &op) {
			return submitResult{err: errf(CodeNoOp, "Op is a no-op. Skipping apply.")}
		}
	}
	if s.proj != nil && !s.proj.opAllowed(d.typ, &op) {
		return submitResult{err: errf(CodeOpNotAllowedInProjection, "Operation invalid in projected collection")}
	}
	if e := d.applyNew(&op); e != nil {
		return submitResult{err: e}
	}
	entry := &d.tail[len(d.tail)-1]
	return submitResult{missed: missed, ack: op.Version, op: entry}
}

// createOnExisting answers a create with no version on an existing
// document: a resubmit of the create that made it is acknowledged.
func (d *document) createOnExisting(op *ot.Op) submitResult {
	entries, err := d.opsFrom(0)
	if err != nil {
		d.m.opts.Logger.Error("read ops", "collection", d.key.c, "doc", d.key.id, "err", err)
		return submitResult{err: errInternal}
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := &entries[i].op
		if e.Create != nil && e.Src == op.Src && e.Seq == op.Seq {
			dup := entries[i]
			return submitResult{ack: e.Version, dup: &dup}
		}
	}
	return submitResult{err: errf(CodeAlreadyCreated, "Invalid op submitted. Document already created")}
}

// transformUp transforms op over every op since its version. A (src, seq)
// already in the log ends the walk with an ack of the original.
func (d *document) transformUp(op *ot.Op) ([]tailEntry, *submitResult) {
	entries, err := d.opsFrom(op.Version)
	if err != nil {
		d.m.opts.Logger.Error("read ops", "collection", d.key.c, "doc", d.key.id, "err", err)
		return nil, &submitResult{err: errInternal}
	}
	if int64(len(entries)) != d.version-op.Version {
		return nil, &submitResult{err: errf(CodeTransformOpsNotFound, "Op submit failed. DB missing ops needed to transform it up to the current snapshot")}
	}
	lifecycle := false
	for i := range entries {
		if entries[i].op.Create != nil || entries[i].op.Del {
			lifecycle = true
		}
	}
	for i := range entries {
		applied := &entries[i].op
		if applied.Src == op.Src && applied.Seq == op.Seq {
			dup := entries[i]
			return nil, &submitResult{missed: entries[:i], ack: applied.Version, dup: &dup}
		}
		if e := d.transformOne(op, applied, lifecycle); e != nil {
			return nil, &submitResult{err: e}
		}
		op.Version++
	}
	return entries, nil
}

// transformOne rewrites op to follow applied, with ShareDB's rules for
// creates and deletes. lifecycle says the window holds a create or delete:
// edit-against-edit transforms are then skipped, because such an op fails
// at that create or delete anyway and the type may differ before it.
func (d *document) transformOne(op, applied *ot.Op, lifecycle bool) *shareErr {
	switch {
	case applied.Del:
		if !op.Del {
			return errf(CodeDocWasDeleted, "Document was deleted")
		}
	case applied.Create != nil:
		return errf(CodeAlreadyCreated, "Document was created remotely")
	case op.Create != nil:
		return errf(CodeAlreadyCreated, "Document was created remotely")
	case op.Del || lifecycle || d.typ == nil:
	default:
		t, err := d.typ.Transform(op.Edit, applied.Edit, ot.Left)
		if err != nil {
			return errf("", err.Error())
		}
		op.Edit = t
	}
	return nil
}

// applyNew validates and applies op at the current version and appends it
// to the tail with its timestamp.
func (d *document) applyNew(op *ot.Op) *shareErr {
	var edit []byte
	switch {
	case op.Create != nil:
		if d.typ != nil {
			return errf(CodeAlreadyCreated, "Document already exists")
		}
		typ, _ := d.m.opts.Registry.Lookup(op.Create.Type)
		v, err := typ.Create(op.Create.Data)
		if err != nil {
			return errf(CodeOpBadlyFormed, err.Error())
		}
		if e := d.checkCreated(v); e != nil {
			return e
		}
		d.typ, d.data = typ, v
	case op.Del:
		d.typ, d.data = nil, nil
	default:
		if d.typ == nil {
			return errf(CodeDocNotExist, "Document does not exist")
		}
		if err := d.typ.Validate(d.data, op.Edit); err != nil {
			return errf(CodeOpBadlyFormed, err.Error())
		}
		b, err := ot.Marshal(op.Edit)
		if err != nil {
			return errf(CodeOpBadlyFormed, err.Error())
		}
		tree, ok := cloneTree(op.Edit)
		if !ok {
			if tree, err = ot.Decode(b); err != nil {
				return errf(CodeOpBadlyFormed, err.Error())
			}
		}
		nd, e := d.applySized(op.Edit, tree, b)
		if e != nil {
			return e
		}
		d.data, op.Edit, edit = nd, tree, b
	}
	op.Ts = d.m.now()
	d.push(*op, edit)
	return nil
}
