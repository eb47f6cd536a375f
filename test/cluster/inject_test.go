package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/store"
)

// commitUnpublished commits n inserts round-robin on docs straight into
// Postgres through the store, bypassing every instance and so Redis, and
// returns them as acknowledged ops.
func (c *cluster) commitUnpublished(docs []string, n int) []ack {
	t := c.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.OpenPostgres(ctx, c.dbURL, store.PostgresOptions{SkipMigrations: true}, nil)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer st.Close()
	var out []ack
	for i := range n {
		a := ack{doc: docs[i%len(docs)], src: "unpublished", seq: int64(i + 1), token: fmt.Sprintf("<u.%d>", i)}
		if err := commitAtHead(ctx, st, a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// commitAtHead appends a's token at the start of its document at the
// current head, retrying (bounded) when an instance takes the version
// first.
func commitAtHead(ctx context.Context, st *store.Postgres, a ack) error {
	for range 100 {
		head, err := st.Head(ctx, collection, a.doc)
		if err != nil {
			return fmt.Errorf("head of %s: %w", a.doc, err)
		}
		op := ot.Op{Version: head, Src: a.src, Seq: a.seq, Edit: []any{a.token}, Ts: time.Now().UnixMilli()}
		ok, err := st.Commit(ctx, []ot.Commit{{Collection: collection, ID: a.doc, Ops: []ot.Op{op}}})
		if err != nil {
			return fmt.Errorf("commit %s to %s: %w", a.token, a.doc, err)
		}
		if ok[0] {
			return nil
		}
	}
	return fmt.Errorf("commit %s to %s: lost the version race 100 times", a.token, a.doc)
}
