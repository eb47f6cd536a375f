package session

import (
	"context"
	"time"

	"github.com/weftdev/weft/internal/ot"
)

// Store is the durable record of documents: the op log, which is the truth,
// and snapshots, which make loading and history reads cheap. Sessions and the
// REST API use it; internal/store provides the backends (embedded file store,
// Postgres, memory), all of which pass the same conformance suite.
//
// Every method is keyed by one document (collection, id) or one collection;
// no method needs a transaction across documents except Commit's batching,
// which is an optimisation each backend may split per document.
//
// Snapshots handed to and returned by a Store carry Data as a JSON tree (as
// ot.Decode returns it), never a type's in-memory value.
type Store interface {
	// Commit appends each commit's ops atomically. For each commit, the ops
	// have consecutive versions starting at the document's next version; if
	// that version is already taken (another writer got there first),
	// nothing of that commit is written and its result is false. That
	// conditional append is what orders a document's history. When a commit
	// carries a Snapshot it is stored in the same transaction. Commit
	// returns only after the written data is durable. An error means the
	// outcome of every commit in the batch is unknown to the caller only if
	// the backend says so; backends write all or none of a batch.
	Commit(ctx context.Context, commits []Commit) ([]bool, error)

	// Ops returns the document's ops with from <= Version < to, in version
	// order; to < 0 means up to the newest. It returns fewer ops than asked
	// only when the log ends early.
	Ops(ctx context.Context, collection, id string, from, to int64) ([]ot.Op, error)

	// Snapshot returns the newest stored snapshot with Version <= atMost
	// (atMost < 0: the newest of all). A document with no stored snapshot
	// yields the empty snapshot {Version: 0, Type: ""}. The document's
	// state at a version is that snapshot plus the ops after it.
	Snapshot(ctx context.Context, collection, id string, atMost int64) (ot.Snapshot, error)

	// WriteSnapshot stores snap as a snapshot of the document (written when
	// a document goes idle or the server drains, and every N ops). Writing
	// a snapshot older than one already stored is allowed and harmless.
	WriteSnapshot(ctx context.Context, collection, id string, snap ot.Snapshot) error

	// Head returns the document's next version: the number of ops in its
	// log (0 for a document never written).
	Head(ctx context.Context, collection, id string) (int64, error)

	// VersionAt returns the document's version at time ts (Unix
	// milliseconds): the number of ops whose Ts <= ts.
	VersionAt(ctx context.Context, collection, id string, ts int64) (int64, error)

	// List returns up to limit ids of documents in collection that have at
	// least one op, in ascending id order, starting after the id after.
	List(ctx context.Context, collection, after string, limit int) ([]string, error)
}

// Commit is one document's share of a Store.Commit batch (declared in ot
// so that storage backends need not import session).
type Commit = ot.Commit

// PubSub carries opaque messages between the Managers of several Weft
// instances, one channel per document (and per presence channel).
// internal/pubsub provides the backends (in-process, Redis).
//
// Delivery is at most once: a message may be lost (a full buffer, a
// reconnect), but never duplicated by the PubSub itself and never reordered
// for one subscription. A subscriber also receives what its own instance
// published. Sessions therefore treat every message as a hint: ops carry
// versions, and a gap is filled from the Store.
type PubSub interface {
	// Publish sends msg to the current subscribers of channel. It does not
	// wait for delivery. The PubSub may keep msg; callers must not modify it
	// afterwards.
	Publish(ctx context.Context, channel string, msg []byte) error

	// Subscribe calls deliver for each message published on channel until
	// the returned cancel function is called. deliver is called from one
	// goroutine per subscription, in publish order; it must not block for
	// long and must not modify msg. cancel does not wait for a deliver call
	// already under way; after that one, deliver is not called again. cancel
	// is safe to call more than once.
	Subscribe(ctx context.Context, channel string, deliver func(msg []byte)) (cancel func(), err error)
}

// BatchPublisher is implemented by a PubSub that can send several messages
// in one round trip. PublishBatch publishes msgs[i] on channels[i], in
// order; on error any of them may or may not have been sent (receivers
// ignore an op they already have). It must not keep the slices.
type BatchPublisher interface {
	PublishBatch(ctx context.Context, channels []string, msgs [][]byte) error
}

// ReachPublisher is a BatchPublisher that also reports how many subscribers
// each message reached (Redis's PUBLISH reply). A message forwarded to a
// document's owner that reached nobody means the owner is gone (its inbox
// has no subscriber): the forwarding document falls back at once instead
// of after Options.ForwardTimeout.
type ReachPublisher interface {
	BatchPublisher
	PublishBatchCount(ctx context.Context, channels []string, msgs [][]byte) ([]int64, error)
}

// Leases is implemented by a PubSub that can also hold short-lived named
// leases (Redis: a key set with NX and an expiry). A Manager whose PubSub
// implements it routes each document's submits to one owning instance (see
// owner.go): the instance holding the document's lease commits them, and
// the others forward their clients' submits to it. Nothing depends on a
// lease for correctness: two instances believing they own a document, or
// none, only cost throughput, because every commit is fenced by the
// Store's conditional append and its (src, seq) duplicate detection.
//
// Each method handles a batch of keys in one round trip. ttl is how long a
// lease lasts unless renewed.
type Leases interface {
	// AcquireLeases takes, for owner, each key no one holds, and extends
	// those owner already holds. It returns, per key, the holder after the
	// call and how long its lease has left.
	AcquireLeases(ctx context.Context, owner string, keys []string, ttl time.Duration) (holders []string, left []time.Duration, err error)
	// RenewLeases extends the keys owner still holds; held[i] reports
	// whether keys[i] was still owner's (false: it expired, maybe taken
	// by another).
	RenewLeases(ctx context.Context, owner string, keys []string, ttl time.Duration) (held []bool, err error)
	// ReleaseLeases deletes the keys owner still holds (leaving others').
	ReleaseLeases(ctx context.Context, owner string, keys []string) error
}
