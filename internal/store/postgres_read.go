package store

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/weftdev/weft/internal/ot"
)

// Ops implements session.Store.Ops with one range scan of the primary key.
// A hole in the stored log, or an op whose body disagrees with its
// version, is an error naming the document and version.
func (p *Postgres) Ops(ctx context.Context, collection, id string, from, to int64) ([]ot.Op, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: ops %q/%q: %w", collection, id, err)
	}
	from = max(from, 0)
	if to < 0 {
		to = math.MaxInt64
	}
	if from >= to {
		return []ot.Op{}, nil
	}
	rows, err := p.pool.Query(ctx, readOpsRange, []byte(collection), []byte(id), from, to)
	if err != nil {
		return nil, fmt.Errorf("store: ops %q/%q: %w", collection, id, err)
	}
	ops, err := scanOps(rows, from)
	if err != nil {
		return nil, fmt.Errorf("store: ops %q/%q: %w", collection, id, err)
	}
	return ops, nil
}

// readOpsRange reads a document's ops with $3 <= version < $4, in order.
const readOpsRange = `SELECT version, op FROM weft_ops
WHERE collection = $1 AND doc_id = $2 AND version >= $3 AND version < $4 ORDER BY version`

// scanOps decodes the rows of readOpsRange, which must start at version
// from and have no holes.
func scanOps(rows pgx.Rows, from int64) ([]ot.Op, error) {
	ops := []ot.Op{}
	var v int64
	var body []byte
	_, err := pgx.ForEachRow(rows, []any{&v, &body}, func() error {
		op, err := decodeLogOp(v, body, from+int64(len(ops)))
		if err != nil {
			return err
		}
		ops = append(ops, op)
		return nil
	})
	return ops, err
}

// decodeLogOp decodes the op stored at version v of a log, which must be
// want (the next version after those already read).
func decodeLogOp(v int64, body []byte, want int64) (ot.Op, error) {
	if v != want {
		return ot.Op{}, fmt.Errorf("log has a hole: v%d missing, next stored op is v%d", want, v)
	}
	op, err := decodeOp(body)
	if err != nil {
		return ot.Op{}, fmt.Errorf("v%d: %w", v, err)
	}
	if op.Version != v {
		return ot.Op{}, fmt.Errorf("row v%d holds an op that says v%d", v, op.Version)
	}
	return op, nil
}

// Snapshot implements session.Store.Snapshot with one index probe.
func (p *Postgres) Snapshot(ctx context.Context, collection, id string, atMost int64) (ot.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return ot.Snapshot{}, fmt.Errorf("store: snapshot %q/%q: %w", collection, id, err)
	}
	if atMost < 0 {
		atMost = math.MaxInt64
	}
	var v int64
	var body []byte
	err := p.pool.QueryRow(ctx, `SELECT version, snapshot FROM weft_snapshots
WHERE collection = $1 AND doc_id = $2 AND version <= $3 ORDER BY version DESC LIMIT 1`,
		[]byte(collection), []byte(id), atMost).Scan(&v, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return ot.Snapshot{}, nil
	}
	if err != nil {
		return ot.Snapshot{}, fmt.Errorf("store: snapshot %q/%q: %w", collection, id, err)
	}
	snap, err := decodeSnapshot(body)
	if err != nil {
		return ot.Snapshot{}, fmt.Errorf("store: snapshot %q/%q v%d: %w", collection, id, v, err)
	}
	if snap.Version != v {
		return ot.Snapshot{}, fmt.Errorf("store: snapshot %q/%q: row v%d holds a snapshot that says v%d", collection, id, v, snap.Version)
	}
	return snap, nil
}

// WriteSnapshot implements session.Store.WriteSnapshot in one statement. A
// snapshot beyond the document's head is refused with an error wrapping
// ErrInvalid; one at a version already stored replaces it.
func (p *Postgres) WriteSnapshot(ctx context.Context, collection, id string, snap ot.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	body, err := checkSnapshot(collection, id, snap)
	if err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	tag, err := p.pool.Exec(ctx, `INSERT INTO weft_snapshots (collection, doc_id, version, snapshot)
SELECT $1, $2, $3, $4::text::json
WHERE $3 <= COALESCE((SELECT head FROM weft_docs WHERE collection = $1 AND doc_id = $2), 0)
ON CONFLICT (collection, doc_id, version) DO UPDATE SET snapshot = EXCLUDED.snapshot`,
		[]byte(collection), []byte(id), snap.Version, string(body))
	if err != nil {
		return fmt.Errorf("store: write snapshot %q/%q v%d: %w", collection, id, snap.Version, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: write snapshot %q/%q v%d: %w: beyond the document's head", collection, id, snap.Version, ErrInvalid)
	}
	return nil
}

// Head implements session.Store.Head from the document's head row.
func (p *Postgres) Head(ctx context.Context, collection, id string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: head %q/%q: %w", collection, id, err)
	}
	var head int64
	err := p.pool.QueryRow(ctx, `SELECT head FROM weft_docs WHERE collection = $1 AND doc_id = $2`,
		[]byte(collection), []byte(id)).Scan(&head)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: head %q/%q: %w", collection, id, err)
	}
	return head, nil
}

// VersionAt implements session.Store.VersionAt with one probe of the
// running-maximum timestamp index: the version of the first op whose
// running maximum exceeds ts, which is the first op stamped after ts, or
// the head when there is none (see doc.go on clock steps).
func (p *Postgres) VersionAt(ctx context.Context, collection, id string, ts int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: version at %q/%q: %w", collection, id, err)
	}
	var v int64
	err := p.pool.QueryRow(ctx, `SELECT COALESCE(
	(SELECT version FROM weft_ops WHERE collection = $1 AND doc_id = $2 AND cts > $3 ORDER BY cts, version LIMIT 1),
	(SELECT head FROM weft_docs WHERE collection = $1 AND doc_id = $2),
	0)`, []byte(collection), []byte(id), ts).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: version at %q/%q: %w", collection, id, err)
	}
	return v, nil
}

// List implements session.Store.List from the head rows, which the primary
// key orders by id bytes within a collection.
func (p *Postgres) List(ctx context.Context, collection, after string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: list %q: %w", collection, err)
	}
	ids := []string{}
	if limit <= 0 {
		return ids, nil
	}
	rows, err := p.pool.Query(ctx, `SELECT doc_id FROM weft_docs
WHERE collection = $1 AND doc_id > $2 AND head > 0 ORDER BY doc_id LIMIT $3`,
		[]byte(collection), []byte(after), limit)
	if err != nil {
		return nil, fmt.Errorf("store: list %q: %w", collection, err)
	}
	var id []byte
	_, err = pgx.ForEachRow(rows, []any{&id}, func() error {
		ids = append(ids, string(id))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list %q: %w", collection, err)
	}
	return ids, nil
}
