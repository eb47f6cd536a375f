package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weftdev/weft/internal/ot"
)

// commitAttempts bounds how often Commit reruns a batch whose transaction
// Postgres aborted for a reason a rerun resolves (deadlock, serialization
// failure, a duplicate (src, seq) committed by another writer meanwhile).
const commitAttempts = 4

// SQL of a commit, in the order a batch runs it. Each statement covers
// every document of the batch at once, its arguments being parallel arrays
// (one element per document, or per op, or per snapshot), so that a batch
// sends the same handful of statements whatever its size. The lock*
// statements run for every document of the batch; the write* statements
// for the commits that won.
const (
	// lockDocsCreate makes sure every head row exists, so that the next
	// statement can lock it even for a document never written. Rows are
	// inserted in (collection, id) order, the order in which every batch
	// also locks them.
	lockDocsCreate = `INSERT INTO weft_docs (collection, doc_id, head, max_ts)
SELECT c, d, 0, 0 FROM unnest($1::bytea[], $2::bytea[]) AS t(c, d) ORDER BY c, d
ON CONFLICT (collection, doc_id) DO NOTHING`
	// lockDocsHead locks the head rows until the transaction ends, in
	// (collection, id) order (ORDER BY runs before the rows are locked), so
	// that concurrent batches cannot deadlock, and reads their current
	// (latest committed) values.
	lockDocsHead = `SELECT w.collection, w.doc_id, w.head, w.max_ts
FROM weft_docs AS w JOIN unnest($1::bytea[], $2::bytea[]) AS t(c, d) ON w.collection = t.c AND w.doc_id = t.d
ORDER BY w.collection, w.doc_id FOR UPDATE OF w`
	// lockDocsDups lists which of the batch's (collection, id, src, seq)
	// the logs already hold. It runs after lockDocsHead, so its snapshot
	// includes every op committed before the locks were granted, and no
	// other writer can add one while they are held. The scalar subquery
	// (which Postgres does not turn into a join) probes the unique index
	// weft_ops_src_seq once per pair whatever the table's statistics say.
	lockDocsDups = `SELECT t.c, t.d, t.src, t.seq
FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::bigint[]) AS t(c, d, src, seq)
WHERE (SELECT true FROM weft_ops AS o
	WHERE o.collection = t.c AND o.doc_id = t.d AND o.src = t.src AND o.seq = t.seq AND o.src IS NOT NULL)`
	// readOpsRanges reads, for each element n of the arrays, the ops of
	// document (c, d) with lo <= version < hi, ordered by n then version.
	// OFFSET 0 keeps the subquery a per-document range scan of the primary
	// key, whatever the table's statistics say.
	readOpsRanges = `SELECT t.n, o.version, o.op
FROM unnest($1::bytea[], $2::bytea[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS t(c, d, lo, hi, n)
CROSS JOIN LATERAL (SELECT version, op FROM weft_ops
	WHERE collection = t.c AND doc_id = t.d AND version >= t.lo AND version < t.hi ORDER BY version OFFSET 0) AS o
ORDER BY t.n, o.version`
	writeOps = `INSERT INTO weft_ops (collection, doc_id, version, src, seq, ts, cts, op)
SELECT c, d, v, src, seq, ts, cts, op::json
FROM unnest($1::bytea[], $2::bytea[], $3::bigint[], $4::bytea[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[])
	AS t(c, d, v, src, seq, ts, cts, op)`
	writeSnaps = `INSERT INTO weft_snapshots (collection, doc_id, version, snapshot)
SELECT c, d, v, s::json FROM unnest($1::bytea[], $2::bytea[], $3::bigint[], $4::text[]) AS t(c, d, v, s)
ON CONFLICT (collection, doc_id, version) DO UPDATE SET snapshot = EXCLUDED.snapshot`
	writeHeads = `UPDATE weft_docs AS w SET head = t.head, max_ts = t.max_ts
FROM unnest($1::bytea[], $2::bytea[], $3::bigint[], $4::bigint[]) AS t(c, d, head, max_ts)
WHERE w.collection = t.c AND w.doc_id = t.d`
)

// docKey names one document of a batch.
type docKey struct{ collection, id string }

// srcSeq identifies an op across resubmits.
type srcSeq struct {
	src string
	seq int64
}

// pgDoc is one document's state during a batch: its head row as locked,
// advanced by the batch's winning commits, and the (src, seq) pairs its log
// holds among those the batch carries.
type pgDoc struct {
	key   docKey
	head  int64
	maxTs int64
	pairs []srcSeq        // the batch's (src, seq) pairs for this document
	held  map[srcSeq]bool // pairs already in the log (or won earlier in the batch)
	wrote bool            // some commit of this document won
	// readFrom, when >= 0, is the version from which the lock round trip
	// also reads the log into since (the ops a rebasing commit missed, if
	// it lost), sparing a round trip when it did.
	readFrom int64
	since    []ot.Op
	commits  int // commits of the batch for this document
}

// Commit implements session.Store.Commit. The batch is one transaction:
// one COMMIT (one WAL flush) for all its documents. A batch whose every
// document is at the head this store last locked or wrote goes in one round
// trip (commitWithFastPath, postgres_fast.go); any other in two
// (commitOnce). For each document the
// head row is locked, then each commit is decided against the head as the
// batch's earlier commits left it: first version == head wins, below the
// head is false, above it (a gap) is an error wrapping ErrVersionGap.
//
// Duplicates: a commit carrying an op whose (src, seq) the document's log
// already holds, or that an earlier commit of the batch wins, is reported
// false and writes nothing, like a commit that lost the race for its
// version: the caller reloads the ops since its base version and finds the
// original op there, which is how it recognises a resubmit (the ack carries
// the original version). Two ops with the same (src, seq) inside one commit
// are malformed (ErrInvalid). The UNIQUE index on (collection, doc_id, src,
// seq) backs this: a violation (SQLSTATE 23505) can only come from a race
// the head lock already excludes, and is handled by rerunning the batch,
// which then sees the committed duplicate and reports false.
//
// On an error nothing of the batch is written, except when the COMMIT
// itself fails (the connection dropped), whose outcome is unknown; a
// resubmit with the same (src, seq) is then safe.
func (p *Postgres) Commit(ctx context.Context, commits []ot.Commit) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	enc, err := encodeCommits(commits)
	if err != nil {
		return nil, err
	}
	if len(enc) == 0 {
		return []bool{}, nil
	}
	pairs, err := commitPairs(commits)
	if err != nil {
		return nil, err
	}
	if results, handled, err := p.commitWithFastPath(ctx, commits, enc, pairs); handled {
		return results, err
	}
	for attempt := 1; ; attempt++ {
		results, retry, err := p.commitOnce(ctx, commits, enc, pairs)
		if err == nil {
			return results, nil
		}
		if !retry || attempt == commitAttempts || ctx.Err() != nil {
			return nil, err
		}
		p.logger.Debug("store: rerunning commit batch", "attempt", attempt, "err", err)
	}
}

// commitPairs returns each commit's (src, seq) pairs (ops without a src
// have none) and refuses a commit that repeats one.
func commitPairs(commits []ot.Commit) ([][]srcSeq, error) {
	out := make([][]srcSeq, len(commits))
	for i, c := range commits {
		for _, op := range c.Ops {
			if op.Src == "" {
				continue
			}
			k := srcSeq{op.Src, op.Seq}
			if slices.Contains(out[i], k) {
				return nil, fmt.Errorf("store: commit %d (%q/%q): %w: src %q seq %d appears twice", i, c.Collection, c.ID, ErrInvalid, op.Src, op.Seq)
			}
			out[i] = append(out[i], k)
		}
	}
	return out, nil
}

// commitOnce runs the batch in one transaction, in two round trips: BEGIN
// and the locks in one pipeline, then the writes and COMMIT in another (so
// the head rows stay locked for one round trip and the WAL flush). Each
// round trip sends a fixed number of statements, each covering all the
// batch's documents. A batch in which no commit won is rolled back instead:
// it wrote nothing, and a rollback does not wait for a WAL flush. retry
// reports an error after which a rerun may succeed (nothing was written).
func (p *Postgres) commitOnce(ctx context.Context, commits []ot.Commit, enc []encodedCommit, pairs [][]srcSeq) (results []bool, retry bool, err error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("store: commit: acquire a connection: %w", err)
	}
	// A connection left inside a transaction (any failure below) is closed
	// by Release rather than returned to the pool.
	defer conn.Release()
	inTx := true
	defer func() {
		if inTx {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()

	docs, byKey := batchDocs(enc, pairs)
	for i := range enc {
		if d := byKey[docKey{enc[i].collection, enc[i].id}]; commits[i].Rebase != nil && d.commits == 1 {
			d.readFrom = enc[i].first
		}
	}
	if err := lockDocs(ctx, conn, docs, byKey); err != nil {
		return nil, retryable(err), err
	}
	for _, d := range docs {
		p.heads.put(d.key, d.head, d.maxTs, true)
	}
	results = make([]bool, len(enc))
	var w pgWrites
	var lost []int // commits that lost the race and may rebase
	for i := range enc {
		e := &enc[i]
		d := byKey[docKey{e.collection, e.id}]
		ok, err := appendOutcome(e, d.head)
		if err != nil {
			return nil, false, err
		}
		held := d.holdsAny(pairs[i])
		if ok && held {
			p.logger.Debug("store: commit carries an op already in the log", "collection", e.collection, "id", e.id, "version", e.first)
			ok = false
		}
		if ok {
			results[i] = true
			d.queueWrite(&w, e, commits[i].Ops, pairs[i])
		} else if commits[i].Rebase != nil && !held && e.first < d.head {
			lost = append(lost, i)
		}
	}
	if err := p.rebaseLost(ctx, conn, &w, commits, enc, byKey, lost, results); err != nil {
		return nil, retryable(err), err
	}
	if len(w.opV) == 0 {
		inTx = false
		if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
			return nil, false, fmt.Errorf("store: commit: rollback: %w", err)
		}
		return results, false, nil
	}
	b := &pgx.Batch{}
	b.Queue(writeOps, w.opColl, w.opID, w.opV, w.opSrc, w.opSeq, w.opTs, w.opCts, w.opBody)
	if len(w.snapV) > 0 {
		b.Queue(writeSnaps, w.snapColl, w.snapID, w.snapV, w.snapBody)
	}
	var hc, hid [][]byte
	var heads, maxTs []int64
	for _, d := range docs {
		if d.wrote {
			hc, hid = append(hc, []byte(d.key.collection)), append(hid, []byte(d.key.id))
			heads, maxTs = append(heads, d.head), append(maxTs, d.maxTs)
		}
	}
	b.Queue(writeHeads, hc, hid, heads, maxTs)
	b.Queue("COMMIT")
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		// A statement Postgres refused aborts the transaction before the
		// COMMIT runs: nothing is written. Any other failure (the
		// connection dropped) leaves the outcome unknown.
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return nil, retryable(err), fmt.Errorf("store: commit: write: %w", err)
		}
		return nil, false, fmt.Errorf("store: commit: %w", err)
	}
	inTx = false
	for _, d := range docs {
		if d.wrote {
			p.heads.put(d.key, d.head, d.maxTs, false)
		}
	}
	return results, false, nil
}

// pgWrites gathers a batch's winning ops and snapshots as the columns of
// writeOps and writeSnaps.
type pgWrites struct {
	opColl, opID, opSrc     [][]byte
	opV, opSeq, opTs, opCts []int64
	opBody                  []string
	snapColl, snapID        [][]byte
	snapV                   []int64
	snapBody                []string
}

// opRange asks readOpsRanges for one document's ops with lo <= version < hi.
type opRange struct {
	key    docKey
	lo, hi int64
}

// queueReadRanges queues one readOpsRanges statement for all of ranges; its
// callback stores the ops of ranges[i] in out[i], refusing a log with a
// hole. out must have len(ranges) elements.
func queueReadRanges(b *pgx.Batch, ranges []opRange, out [][]ot.Op) {
	cs, ids := make([][]byte, len(ranges)), make([][]byte, len(ranges))
	los, his := make([]int64, len(ranges)), make([]int64, len(ranges))
	for i, r := range ranges {
		cs[i], ids[i], los[i], his[i] = []byte(r.key.collection), []byte(r.key.id), r.lo, r.hi
	}
	b.Queue(readOpsRanges, cs, ids, los, his).Query(func(rows pgx.Rows) error {
		var n, v int64
		var body []byte
		_, err := pgx.ForEachRow(rows, []any{&n, &v, &body}, func() error {
			if n < 1 || n > int64(len(ranges)) {
				return fmt.Errorf("read ops: row for range %d of %d", n, len(ranges))
			}
			r := &ranges[n-1]
			op, err := decodeLogOp(v, body, r.lo+int64(len(out[n-1])))
			if err != nil {
				return fmt.Errorf("read ops %q/%q: %w", r.key.collection, r.key.id, err)
			}
			out[n-1] = append(out[n-1], op)
			return nil
		})
		return err
	})
}

// rebaseLost gives each commit of lost (which lost the race, carries a
// Rebase and no op already in the log) the ops committed since its first
// version (read with the locks, or else in one more round trip under
// them, one statement for all such commits), and adds the commit its
// Rebase returns to w. A document that an earlier commit of the batch
// wrote is left lost (its new ops are not in the log yet).
func (p *Postgres) rebaseLost(ctx context.Context, conn *pgxpool.Conn, w *pgWrites, commits []ot.Commit, enc []encodedCommit, byKey map[docKey]*pgDoc, lost []int, results []bool) error {
	lost = slices.DeleteFunc(lost, func(i int) bool { return byKey[docKey{enc[i].collection, enc[i].id}].wrote })
	if len(lost) == 0 {
		return nil
	}
	missed := make([][]ot.Op, len(lost))
	var ranges []opRange
	var unread []int // indexes into missed of the ranges to read
	for j, i := range lost {
		e := &enc[i]
		d := byKey[docKey{e.collection, e.id}]
		if d.readFrom == e.first && int64(len(d.since)) == d.head-e.first {
			missed[j] = d.since // read with the lock
			continue
		}
		ranges = append(ranges, opRange{d.key, e.first, d.head})
		unread = append(unread, j)
	}
	if len(ranges) > 0 {
		out := make([][]ot.Op, len(ranges))
		rb := &pgx.Batch{}
		queueReadRanges(rb, ranges, out)
		if err := conn.SendBatch(ctx, rb).Close(); err != nil {
			return fmt.Errorf("store: commit: read the ops a lost commit missed: %w", err)
		}
		for k, j := range unread {
			missed[j] = out[k]
		}
	}
	for j, i := range lost {
		e := &enc[i]
		d := byKey[docKey{e.collection, e.id}]
		if int64(len(missed[j])) != d.head-e.first {
			return fmt.Errorf("store: commit %q/%q: read %d ops from v%d, head is v%d", e.collection, e.id, len(missed[j]), e.first, d.head)
		}
		next, ok := commits[i].Rebase(missed[j])
		if !ok {
			continue
		}
		if next.Collection != e.collection || next.ID != e.id {
			return fmt.Errorf("store: commit %q/%q: %w: rebased onto another document", e.collection, e.id, ErrInvalid)
		}
		ne, err := encodeCommit(next)
		if err != nil {
			return fmt.Errorf("store: rebased commit %q/%q: %w", e.collection, e.id, err)
		}
		np, err := commitPairs([]ot.Commit{next})
		if err != nil {
			return err
		}
		if ne.first != d.head || d.holdsAny(np[0]) {
			continue // still behind, or now a duplicate: lost
		}
		results[i] = true
		d.queueWrite(w, &ne, next.Ops, np[0])
	}
	return nil
}

// batchDocs returns the batch's documents in (collection, id) order, with
// the (src, seq) pairs each is sent.
func batchDocs(enc []encodedCommit, pairs [][]srcSeq) ([]*pgDoc, map[docKey]*pgDoc) {
	byKey := make(map[docKey]*pgDoc)
	var docs []*pgDoc
	for i := range enc {
		k := docKey{enc[i].collection, enc[i].id}
		d := byKey[k]
		if d == nil {
			d = &pgDoc{key: k, held: make(map[srcSeq]bool), readFrom: -1}
			byKey[k] = d
			docs = append(docs, d)
		}
		d.commits++
		d.pairs = append(d.pairs, pairs[i]...)
	}
	slices.SortFunc(docs, func(a, b *pgDoc) int {
		return cmp.Or(cmp.Compare(a.key.collection, b.key.collection), cmp.Compare(a.key.id, b.key.id))
	})
	return docs, byKey
}

// lockDocs begins the transaction, locks every document's head row, in
// order, and reads its head, the (src, seq) pairs its log already holds
// and (for a document with readFrom set) its ops from readFrom on, in one
// round trip of at most five statements.
func lockDocs(ctx context.Context, conn *pgxpool.Conn, docs []*pgDoc, byKey map[docKey]*pgDoc) error {
	cs, ids := make([][]byte, len(docs)), make([][]byte, len(docs))
	var dupC, dupID, dupSrc [][]byte
	var dupSeq []int64
	var ranges []opRange
	var reading []*pgDoc
	for i, d := range docs {
		cs[i], ids[i] = []byte(d.key.collection), []byte(d.key.id)
		for _, k := range d.pairs {
			dupC, dupID = append(dupC, cs[i]), append(dupID, ids[i])
			dupSrc, dupSeq = append(dupSrc, []byte(k.src)), append(dupSeq, k.seq)
		}
		if d.readFrom >= 0 {
			ranges = append(ranges, opRange{d.key, d.readFrom, math.MaxInt64})
			reading = append(reading, d)
		}
	}
	lookup := func(c, id []byte) (*pgDoc, error) {
		d := byKey[docKey{string(c), string(id)}]
		if d == nil {
			return nil, fmt.Errorf("row for %q/%q, which the batch does not hold", c, id)
		}
		return d, nil
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(lockDocsCreate, cs, ids)
	b.Queue(lockDocsHead, cs, ids).Query(func(rows pgx.Rows) error {
		var c, id []byte
		var head, maxTs int64
		n, err := pgx.ForEachRow(rows, []any{&c, &id, &head, &maxTs}, func() error {
			d, err := lookup(c, id)
			if err != nil {
				return err
			}
			d.head, d.maxTs = head, maxTs
			return nil
		})
		if err == nil && n.RowsAffected() != int64(len(docs)) {
			err = fmt.Errorf("locked %d head rows, want %d", n.RowsAffected(), len(docs))
		}
		return err
	})
	if len(dupSeq) > 0 {
		b.Queue(lockDocsDups, dupC, dupID, dupSrc, dupSeq).Query(func(rows pgx.Rows) error {
			var c, id, src []byte
			var seq int64
			_, err := pgx.ForEachRow(rows, []any{&c, &id, &src, &seq}, func() error {
				d, err := lookup(c, id)
				if err != nil {
					return err
				}
				d.held[srcSeq{string(src), seq}] = true
				return nil
			})
			return err
		})
	}
	var since [][]ot.Op
	if len(ranges) > 0 {
		since = make([][]ot.Op, len(ranges))
		queueReadRanges(b, ranges, since)
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: commit: lock documents: %w", err)
	}
	for k, d := range reading {
		d.since = since[k]
	}
	return nil
}

// holdsAny reports whether the log already holds one of pairs.
func (d *pgDoc) holdsAny(pairs []srcSeq) bool {
	for _, k := range pairs {
		if d.held[k] {
			return true
		}
	}
	return false
}

// queueWrite adds a winning commit's ops and snapshot to w and advances
// the document's head, running maximum timestamp and held pairs.
func (d *pgDoc) queueWrite(w *pgWrites, e *encodedCommit, ops []ot.Op, pairs []srcSeq) {
	c, id := []byte(e.collection), []byte(e.id)
	for j := range e.ops {
		op := &ops[j]
		v := e.first + int64(j)
		if v == 0 || op.Ts > d.maxTs {
			d.maxTs = op.Ts
		}
		var src []byte // NULL when the op carries none
		if op.Src != "" {
			src = []byte(op.Src)
		}
		w.opColl, w.opID, w.opSrc = append(w.opColl, c), append(w.opID, id), append(w.opSrc, src)
		w.opV, w.opSeq, w.opTs, w.opCts = append(w.opV, v), append(w.opSeq, op.Seq), append(w.opTs, e.ts[j]), append(w.opCts, d.maxTs)
		w.opBody = append(w.opBody, string(e.ops[j]))
	}
	if e.snap != nil {
		w.snapColl, w.snapID = append(w.snapColl, c), append(w.snapID, id)
		w.snapV, w.snapBody = append(w.snapV, e.snapVersion), append(w.snapBody, string(e.snap))
	}
	for _, k := range pairs {
		d.held[k] = true
	}
	d.head = e.first + int64(len(e.ops))
	d.wrote = true
}

// retryable reports whether Postgres aborted the transaction for a reason
// that a rerun of the batch resolves: a deadlock or serialization failure,
// or a unique violation on (src, seq) (a duplicate the rerun will see).
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "40001", "40P01":
		return true
	case "23505":
		return pgErr.ConstraintName == "weft_ops_src_seq"
	}
	return false
}
