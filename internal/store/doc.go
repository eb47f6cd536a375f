// Package store provides the backends of session.Store, the durable record
// of documents: the op log, which is the truth, and snapshots, which make
// loading and history reads cheap. Every backend passes the conformance
// suite in internal/store/storetest.
//
// # Backends
//
//   - Bolt (OpenBolt) is the embedded default: a commit log plus one
//     bbolt file as its index, pure Go, durable across restarts and
//     crashes, for a single instance. It takes an exclusive
//     lock on its file, so a second process (or a second open) fails with
//     ErrLocked: several instances need Postgres.
//   - Memory (NewMemory) is for tests. It keeps the same encoded records as
//     Bolt, so it accepts, refuses and returns exactly what Bolt does, and
//     nothing handed in or out aliases its state. It is not durable.
//   - Postgres (OpenPostgres) serves any number of instances sharing one
//     database: schema in package migrations, applied by Migrate (also at
//     open) under an advisory lock. It runs the same suite when
//     WEFT_TEST_DATABASE_URL is set (make test sets it).
//
// # Contract details both backends share
//
//   - Commit checks each commit of a batch against the document's head as
//     the batch's earlier commits left it: first version == head commits,
//     below the head reports false and writes nothing of that commit, above
//     the head (a gap) is an error wrapping ErrVersionGap. Malformed commits
//     (no ops, non-consecutive versions, an op that is not exactly one of
//     create/edit/delete, a create without a type, a snapshot not at the
//     version after the last op, an empty or over-long name) are errors
//     wrapping ErrInvalid. Any error means nothing of the batch was written,
//     with one exception: a failed Bolt log write or flush, whose outcome
//     is unknown.
//   - WriteSnapshot refuses a version beyond the document's head.
//   - VersionAt(ts) is the version before the first op stamped after ts.
//     That is "the number of ops with Ts <= ts" whenever op timestamps never
//     decrease; if a clock stepped back, the state at ts still ends at the
//     first op stamped later than ts (ShareDB's rule for snapshots at a
//     time), so it never includes an op from after ts.
//   - List returns ids in ascending byte order; only documents with at
//     least one op are listed.
//   - Ops and snapshots are stored as JSON written by ot.AppendJSON and read
//     through ot.Decode, so no lone surrogate or invalid UTF-8 can enter or
//     leave. Data that cannot be decoded, a hole in a log, or a record that
//     disagrees with its key is reported as an error naming the document
//     and key, never a panic.
//
// # Durability (Bolt)
//
// Commit returns only after the batch is on disk in the commit log: the
// winning commits of one Commit call (a group commit, across documents)
// are one checksummed, length-prefixed record, appended to the current log
// segment (files <store file>.log.<generation>) with one write and one
// fdatasync. The bbolt file is the index readers use: one goroutine
// applies logged records to it behind the log, all that gathered in a
// quarter second (at once when a reader waits) in one bbolt transaction
// (bbolt's own fsyncs, never turned off), and deletes a segment once all
// its records are durable there. Commits decide against
// the heads the log holds beyond the index, and a read of a document with
// logged records not yet indexed waits for the index to take them, so
// every read sees every commit that returned before it began; documents
// with nothing pending are read at once, and readers never block
// committers. WriteSnapshot goes through the log the same way.
//
// OpenBolt replays the log into the index (records the index already
// holds, from a crash after indexing but before the segment was deleted,
// are skipped), makes that durable and deletes the segments. A damaged
// record that ends the log (its declared extent reaches the end of the
// file, or only zeros follow) is the torn trace of a write that never
// completed, so never acknowledged: recovery keeps every record before it.
// Damage with data after it, or logged ops that do not continue the
// index's head, is an error naming the file and offset; nothing is
// skipped silently. A failed log write or fdatasync leaves its batch's
// outcome unknown; the store then refuses commits until reopened.
// Batching is what makes the durable path fast, so callers should hand
// Commit every op that is ready.
//
// # Postgres
//
// Tables weft_docs (one head row per document: next version, largest op
// timestamp), weft_ops (primary key collection, doc_id, version; src, seq,
// ts, the running maximum of ts, the op JSON) and weft_snapshots (primary
// key collection, doc_id, version). Names are bytea, compared bytewise.
// A Commit batch is one transaction: it locks the head rows of its
// documents in (collection, id) order, decides each commit against the
// locked head as Bolt does, and writes the winners, all pipelined in two
// round trips plus BEGIN and COMMIT. A commit carrying an op whose
// (src, seq) the document already holds reports false (see
// Postgres.Commit); UNIQUE (collection, doc_id, src, seq) backs that rule.
// Commit returns after COMMIT, which with synchronous_commit on (checked at
// open) means the WAL is flushed.
//
// # Layout (Bolt)
//
// Names are length-prefixed with a uvarint; P(c, id) = len(c) c len(id) id,
// which no other document's keys start with.
//
//	meta       "format"                       -> "weft-store-1"
//	heads      len(c) c id                    -> be64 next version, be64 max op ts
//	ops        P(c, id) be64 version          -> op JSON
//	snapshots  P(c, id) be64 version          -> snapshot JSON
//	times      P(c, id) be64 ts' be64 version -> (empty)
//
// Ops of a document are contiguous and in version order, so Ops is one
// sequential cursor scan; "newest snapshot <= v" is one Seek and at most one
// step back; head keys sort by id within a collection, which is List's
// order. The times index holds an entry each time a document's running
// maximum op timestamp rises (ts' is the timestamp with its sign bit
// flipped, so negative values sort first), so VersionAt is one Seek. Op and
// snapshot JSON have ShareDB's shape: {"v","src","seq","create"|"op"|"del",
// "m":{"ts"}} and {"v","type","data","m":{"ts"}}.
package store
