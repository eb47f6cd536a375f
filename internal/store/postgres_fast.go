package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weftdev/weft/internal/ot"
)

// The one-round-trip commit. A document written from one instance at a
// time (the usual case: one server, or several routing each document's
// submits to one owner) is at the head this store last saw for it. For
// such a batch Commit sends BEGIN, the row locks, a write conditional on
// every head being as remembered, and COMMIT in one pipeline, instead of
// reading the heads in one round trip and writing in a second. A document
// whose head moved is left unwritten by that statement and goes through
// the two-round-trip commit (commitOnce) afterwards, which decides it
// against the head it then locks, rebasing or reporting a lost race as
// usual. Correctness never rests on the remembered heads: the condition is
// checked under the row lock.

// fastWrite writes the batch's ops, snapshots and new heads for the
// documents whose head row still holds the remembered head and running
// maximum timestamp, and returns those documents. The preceding
// lockDocsHead statement holds their row locks, so the condition cannot
// change before COMMIT. Every other statement part joins u, so a document
// whose condition fails gets nothing written.
const fastWrite = `WITH t AS (
	SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
		AS t(c, d, old_head, old_max, head, max_ts)
), u AS (
	UPDATE weft_docs AS w SET head = t.head, max_ts = t.max_ts FROM t
	WHERE w.collection = t.c AND w.doc_id = t.d AND w.head = t.old_head AND w.max_ts = t.old_max
	RETURNING w.collection, w.doc_id
), o AS (
	INSERT INTO weft_ops (collection, doc_id, version, src, seq, ts, cts, op)
	SELECT o.c, o.d, o.v, o.src, o.seq, o.ts, o.cts, o.op::json
	FROM unnest($7::bytea[], $8::bytea[], $9::bigint[], $10::bytea[], $11::bigint[], $12::bigint[], $13::bigint[], $14::text[])
		AS o(c, d, v, src, seq, ts, cts, op)
	JOIN u ON u.collection = o.c AND u.doc_id = o.d
	RETURNING 1
), s AS (
	INSERT INTO weft_snapshots (collection, doc_id, version, snapshot)
	SELECT s.c, s.d, s.v, s.s::json FROM unnest($15::bytea[], $16::bytea[], $17::bigint[], $18::text[]) AS s(c, d, v, s)
	JOIN u ON u.collection = s.c AND u.doc_id = s.d
	ON CONFLICT (collection, doc_id, version) DO UPDATE SET snapshot = EXCLUDED.snapshot
	RETURNING 1
)
SELECT collection, doc_id FROM u`

// maxKnownHeads bounds the heads a store remembers; past it, it forgets
// them all (the next commit of each document takes two round trips).
const maxKnownHeads = 1 << 16

// movedBackoff is how long a document whose head another writer moved
// takes two round trips per commit before trying one again: while two
// instances write a document in turns, the one-round-trip attempt would
// mostly find the head moved and cost a round trip for nothing.
const movedBackoff = 2 * time.Second

// knownHeads remembers, per document, the head row as this store last
// locked or wrote it. It is safe for concurrent use.
type knownHeads struct {
	now func() time.Time // the clock; time.Now unless a test sets it

	mu sync.Mutex
	m  map[docKey]knownHead
}

type knownHead struct {
	head, maxTs int64
	// movedAt is when this store last found the head moved by another
	// writer (zero if never): see movedBackoff.
	movedAt time.Time
}

func (k *knownHeads) clock() time.Time {
	if k.now != nil {
		return k.now()
	}
	return time.Now()
}

func (k *knownHeads) get(key docKey) (knownHead, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	h, ok := k.m[key]
	return h, ok
}

// put records the head row of key as locked or written by this store.
// locked says it was read under the row lock: when it is not where this
// store left it, another writer came in between (the head moved).
func (k *knownHeads) put(key docKey, head, maxTs int64, locked bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil || len(k.m) >= maxKnownHeads {
		k.m = make(map[docKey]knownHead)
	}
	old, ok := k.m[key]
	movedAt := old.movedAt
	if locked && ok && (old.head != head || old.maxTs != maxTs) {
		movedAt = k.clock()
	}
	k.m[key] = knownHead{head: head, maxTs: maxTs, movedAt: movedAt}
}

// markMoved records that key's head is not where this store left it.
func (k *knownHeads) markMoved(key docKey) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if h, ok := k.m[key]; ok {
		h.movedAt = k.clock()
		k.m[key] = h
	}
}

// fastCandidates returns, for a batch whose every commit is the only one
// of its document and starts at the head this store remembers (and not
// found moved within movedBackoff), the remembered heads in commit order;
// ok is false otherwise.
func (p *Postgres) fastCandidates(enc []encodedCommit) (heads []knownHead, ok bool) {
	heads = make([]knownHead, len(enc))
	seen := make(map[docKey]bool, len(enc))
	now := p.heads.clock()
	for i := range enc {
		key := docKey{enc[i].collection, enc[i].id}
		h, known := p.heads.get(key)
		if !known || h.head != enc[i].first || seen[key] || now.Sub(h.movedAt) < movedBackoff {
			return nil, false
		}
		seen[key] = true
		heads[i] = h
	}
	return heads, true
}

// commitFast runs the one-round-trip commit of a batch that fastCandidates
// accepted. written[i] reports whether commit i was written; the others
// (their head moved) are unwritten and must go through commitOnce. An
// error wrapping a *pgconn.PgError means Postgres refused the transaction
// and nothing was written (a duplicate (src, seq), for instance); any
// other error leaves the outcome unknown, as for commitOnce's COMMIT.
func (p *Postgres) commitFast(ctx context.Context, commits []ot.Commit, enc []encodedCommit, pairs [][]srcSeq, known []knownHead) (written []bool, err error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: commit: acquire a connection: %w", err)
	}
	defer conn.Release()

	docs, byKey := batchDocs(enc, pairs)
	var w pgWrites
	hc, hid := make([][]byte, len(enc)), make([][]byte, len(enc))
	oldHead, oldMax := make([]int64, len(enc)), make([]int64, len(enc))
	newHead, newMax := make([]int64, len(enc)), make([]int64, len(enc))
	for i := range enc {
		e := &enc[i]
		d := byKey[docKey{e.collection, e.id}]
		d.head, d.maxTs = known[i].head, known[i].maxTs
		d.queueWrite(&w, e, commits[i].Ops, pairs[i])
		hc[i], hid[i] = []byte(e.collection), []byte(e.id)
		oldHead[i], oldMax[i] = known[i].head, known[i].maxTs
		newHead[i], newMax[i] = d.head, d.maxTs
	}
	cs, ids := make([][]byte, len(docs)), make([][]byte, len(docs))
	for i, d := range docs {
		cs[i], ids[i] = []byte(d.key.collection), []byte(d.key.id)
	}
	wrote := make(map[docKey]bool, len(docs))
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(lockDocsHead, cs, ids)
	b.Queue(fastWrite, hc, hid, oldHead, oldMax, newHead, newMax,
		w.opColl, w.opID, w.opV, w.opSrc, w.opSeq, w.opTs, w.opCts, w.opBody,
		w.snapColl, w.snapID, w.snapV, w.snapBody).Query(func(rows pgx.Rows) error {
		var c, id []byte
		_, err := pgx.ForEachRow(rows, []any{&c, &id}, func() error {
			wrote[docKey{string(c), string(id)}] = true
			return nil
		})
		return err
	})
	b.Queue("COMMIT")
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		// Refused before COMMIT ran: the connection is left in the
		// aborted transaction; roll it back so it can be reused.
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	written = make([]bool, len(enc))
	for i := range enc {
		key := docKey{enc[i].collection, enc[i].id}
		if wrote[key] {
			written[i] = true
			p.heads.put(key, newHead[i], newMax[i], false)
			continue
		}
		p.heads.markMoved(key)
	}
	return written, nil
}

// commitWithFastPath commits a batch through commitFast when every commit
// qualifies. handled is false when the batch did not qualify, or when
// commitFast wrote nothing (every head had moved, or Postgres refused the
// transaction): the caller then runs the two-round-trip commit, which
// rebases or decides each commit under the locks. When it wrote some
// commits, the others are reported false: their documents' heads had moved
// past their first versions, so they lost the race (the caller catches up
// and retries them), and the batch's outcome is reported as it happened.
func (p *Postgres) commitWithFastPath(ctx context.Context, commits []ot.Commit, enc []encodedCommit, pairs [][]srcSeq) (results []bool, handled bool, err error) {
	known, ok := p.fastCandidates(enc)
	if !ok {
		return nil, false, nil
	}
	written, err := p.commitFast(ctx, commits, enc, pairs, known)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			p.logger.Debug("store: one-round-trip commit refused; locking", "err", err)
			for i := range enc {
				p.heads.markMoved(docKey{enc[i].collection, enc[i].id})
			}
			return nil, false, nil
		}
		return nil, true, err
	}
	if !slices.Contains(written, true) {
		return nil, false, nil
	}
	p.fast.Add(1)
	return written, true, nil
}
