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

// SQL of a commit, in the order a batch runs it. lockDoc* run for every
// document of the batch, in (collection, id) order so that concurrent
// batches lock head rows in one order and cannot deadlock; write* run for
// the commits that won. Each statement names one document.
const (
	// lockDocCreate makes sure the head row exists, so that the next
	// statement can lock it even for a document never written.
	lockDocCreate = `INSERT INTO weft_docs (collection, doc_id, head, max_ts) VALUES ($1, $2, 0, 0)
ON CONFLICT (collection, doc_id) DO NOTHING`
	// lockDocHead locks the head row until the transaction ends and reads
	// its current (latest committed) values.
	lockDocHead = `SELECT head, max_ts FROM weft_docs WHERE collection = $1 AND doc_id = $2 FOR UPDATE`
	// lockDocDups lists which of the batch's (src, seq) pairs the
	// document's log already holds. It runs after lockDocHead, so its
	// snapshot includes every op committed before the lock was granted,
	// and no other writer can add one while the lock is held.
	lockDocDups = `SELECT src, seq FROM weft_ops WHERE collection = $1 AND doc_id = $2
AND (src, seq) IN (SELECT * FROM unnest($3::bytea[], $4::bigint[]))`
	writeOps = `INSERT INTO weft_ops (collection, doc_id, version, src, seq, ts, cts, op)
SELECT $1, $2, v, src, seq, ts, cts, op::json
FROM unnest($3::bigint[], $4::bytea[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[]) AS t(v, src, seq, ts, cts, op)`
	writeHead = `UPDATE weft_docs SET head = $3, max_ts = $4 WHERE collection = $1 AND doc_id = $2`
	writeSnap = `INSERT INTO weft_snapshots (collection, doc_id, version, snapshot) VALUES ($1, $2, $3, $4::text::json)
ON CONFLICT (collection, doc_id, version) DO UPDATE SET snapshot = EXCLUDED.snapshot`
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
// one COMMIT (one WAL flush) for all its documents. For each document the
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
// the head rows stay locked for one round trip and the WAL flush). A batch
// in which no commit won is rolled back instead: it wrote nothing, and a
// rollback does not wait for a WAL flush. retry reports an error after
// which a rerun may succeed (nothing was written).
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
	if err := lockDocs(ctx, conn, docs); err != nil {
		return nil, retryable(err), err
	}
	results = make([]bool, len(enc))
	b := &pgx.Batch{}
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
			d.queueWrite(b, e, commits[i].Ops, pairs[i])
		} else if commits[i].Rebase != nil && !held && e.first < d.head {
			lost = append(lost, i)
		}
	}
	if err := p.rebaseLost(ctx, conn, b, commits, enc, byKey, lost, results); err != nil {
		return nil, retryable(err), err
	}
	if b.Len() == 0 {
		inTx = false
		if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
			return nil, false, fmt.Errorf("store: commit: rollback: %w", err)
		}
		return results, false, nil
	}
	for _, d := range docs {
		if d.wrote {
			b.Queue(writeHead, []byte(d.key.collection), []byte(d.key.id), d.head, d.maxTs)
		}
	}
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
	return results, false, nil
}

// rebaseLost gives each commit of lost (which lost the race, carries a
// Rebase and no op already in the log) the ops committed since its first
// version (read with the locks, or else in one more round trip under
// them), and queues the
// commit its Rebase returns. A document that an earlier commit of the
// batch wrote is left lost (its new ops are not in the log yet).
func (p *Postgres) rebaseLost(ctx context.Context, conn *pgxpool.Conn, b *pgx.Batch, commits []ot.Commit, enc []encodedCommit, byKey map[docKey]*pgDoc, lost []int, results []bool) error {
	lost = slices.DeleteFunc(lost, func(i int) bool { return byKey[docKey{enc[i].collection, enc[i].id}].wrote })
	if len(lost) == 0 {
		return nil
	}
	missed := make([][]ot.Op, len(lost))
	rb := &pgx.Batch{}
	for j, i := range lost {
		e := &enc[i]
		d := byKey[docKey{e.collection, e.id}]
		if d.readFrom == e.first && int64(len(d.since)) == d.head-e.first {
			missed[j] = d.since // read with the lock
			continue
		}
		rb.Queue(readOpsRange, []byte(e.collection), []byte(e.id), e.first, d.head).Query(func(rows pgx.Rows) error {
			ops, err := scanOps(rows, e.first)
			missed[j] = ops
			return err
		})
	}
	if rb.Len() > 0 {
		if err := conn.SendBatch(ctx, rb).Close(); err != nil {
			return fmt.Errorf("store: commit: read the ops a lost commit missed: %w", err)
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
		d.queueWrite(b, &ne, next.Ops, np[0])
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
// order, and reads its head and the (src, seq) pairs its log already holds,
// in one round trip.
func lockDocs(ctx context.Context, conn *pgxpool.Conn, docs []*pgDoc) error {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	for _, d := range docs {
		c, id := []byte(d.key.collection), []byte(d.key.id)
		b.Queue(lockDocCreate, c, id)
		b.Queue(lockDocHead, c, id).QueryRow(func(row pgx.Row) error {
			return row.Scan(&d.head, &d.maxTs)
		})
		if d.readFrom >= 0 {
			b.Queue(readOpsRange, c, id, d.readFrom, int64(math.MaxInt64)).Query(func(rows pgx.Rows) error {
				var err error
				d.since, err = scanOps(rows, d.readFrom)
				return err
			})
		}
		if len(d.pairs) == 0 {
			continue
		}
		srcs, seqs := make([][]byte, len(d.pairs)), make([]int64, len(d.pairs))
		for i, k := range d.pairs {
			srcs[i], seqs[i] = []byte(k.src), k.seq
		}
		b.Queue(lockDocDups, c, id, srcs, seqs).Query(func(rows pgx.Rows) error {
			var src []byte
			var seq int64
			_, err := pgx.ForEachRow(rows, []any{&src, &seq}, func() error {
				d.held[srcSeq{string(src), seq}] = true
				return nil
			})
			return err
		})
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: commit: lock documents: %w", err)
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

// queueWrite queues a winning commit's ops and snapshot and advances the
// document's head, running maximum timestamp and held pairs.
func (d *pgDoc) queueWrite(b *pgx.Batch, e *encodedCommit, ops []ot.Op, pairs []srcSeq) {
	n := len(e.ops)
	vs, srcs, seqs := make([]int64, n), make([][]byte, n), make([]int64, n)
	cts, bodies := make([]int64, n), make([]string, n)
	for j := range e.ops {
		op := &ops[j]
		v := e.first + int64(j)
		if v == 0 || op.Ts > d.maxTs {
			d.maxTs = op.Ts
		}
		vs[j], seqs[j], cts[j], bodies[j] = v, op.Seq, d.maxTs, string(e.ops[j])
		if op.Src != "" {
			srcs[j] = []byte(op.Src)
		}
	}
	c, id := []byte(e.collection), []byte(e.id)
	b.Queue(writeOps, c, id, vs, srcs, seqs, e.ts, cts, bodies)
	if e.snap != nil {
		b.Queue(writeSnap, c, id, e.snapVersion, string(e.snap))
	}
	for _, k := range pairs {
		d.held[k] = true
	}
	d.head = e.first + int64(n)
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
