package cluster

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// figures are what a test reports.
type figures struct {
	acked, found, duplicates, lost, failed, versionGaps, mismatches int
	resends                                                         int64
	converge                                                        time.Duration
}

func (f figures) String() string {
	return fmt.Sprintf("acked=%d found=%d duplicates=%d lost=%d failed_submits=%d resends=%d version_gaps=%d mismatches=%d converge=%v",
		f.acked, f.found, f.duplicates, f.lost, f.failed, f.resends, f.versionGaps, f.mismatches, f.converge.Round(time.Millisecond))
}

// logRow is one op in Postgres.
type logRow struct {
	version int64
	src     string
	seq     int64
	op      string // as stored (JSON)
}

// opLog reads every op of the collection, by document, in version order.
func (c *cluster) opLog(ctx context.Context) map[string][]logRow {
	t := c.t
	t.Helper()
	conn, err := pgx.Connect(ctx, c.dbURL)
	if err != nil {
		t.Fatalf("connect to Postgres for the checks: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT doc_id, version, coalesce(src, ''::bytea), seq, op::text FROM weft_ops WHERE collection = $1 ORDER BY doc_id, version`, []byte(collection))
	if err != nil {
		t.Fatalf("read the op log: %v", err)
	}
	defer rows.Close()
	out := map[string][]logRow{}
	for rows.Next() {
		var doc, src []byte
		var r logRow
		if err := rows.Scan(&doc, &r.version, &src, &r.seq, &r.op); err != nil {
			t.Fatal(err)
		}
		r.src = string(src)
		out[string(doc)] = append(out[string(doc)], r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// finals is the final text of each document as a fresh client fetches it
// through nginx.
func (c *cluster) finals(ctx context.Context, ids []string) map[string]string {
	t := c.t
	t.Helper()
	g := dialClient(ctx, t, c.frontURL, "fresh")
	defer g.conn.Close()
	out := map[string]string{}
	for _, id := range ids {
		d := g.conn.Get(collection, id)
		if err := d.Fetch(ctx); err != nil {
			t.Fatalf("fresh fetch %s: %v", id, err)
		}
		s, err := docText(d)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	return out
}

// verify waits for the workload to end and every client to converge, then
// checks the invariants and reports the figures. since is when the last
// fault healed.
func (l *load) verify(c *cluster, name string, since time.Time, extra ...ack) figures {
	t := l.t
	t.Helper()
	l.finish()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ids := l.cfg.allDocs()
	logs := c.opLog(ctx)
	var f figures
	l.waitHeads(ctx, logs)
	f.converge = time.Since(since)
	finals := c.finals(ctx, ids)
	l.compare(&f, logs, finals)
	l.h.mu.Lock()
	acked := append(append([]ack(nil), l.h.acked...), extra...)
	tried := append([]string(nil), l.h.tried...)
	f.failed = l.h.nFailed
	f.resends = l.h.resends.Load()
	l.h.mu.Unlock()
	checkLog(t, &f, logs, acked, tried)
	t.Logf("%s: %d instances, %d Go clients, %d documents; %s", name, len(c.nodes), len(l.clients), len(ids), f)
	t.Logf("summary: %s %s", name, f)
	return f
}

// waitHeads waits until every client's documents reach the op log's head.
func (l *load) waitHeads(ctx context.Context, logs map[string][]logRow) {
	l.t.Helper()
	for _, g := range l.clients {
		for _, d := range g.docs {
			head := int64(len(logs[d.ID()]))
			refetch(ctx, d)
			if err := d.WaitVersion(ctx, head); err != nil {
				l.t.Fatalf("%s did not reach %s v%d: %v", g.name, d.ID(), head, err)
			}
		}
	}
}

// compare checks every client's text and the op log's replay against the
// fresh fetch.
func (l *load) compare(f *figures, logs map[string][]logRow, finals map[string]string) {
	t := l.t
	t.Helper()
	for _, g := range l.clients {
		for _, d := range g.docs {
			s, err := docText(d)
			if err != nil || s != finals[d.ID()] {
				f.mismatches++
				t.Errorf("%s's %s = %.80q (err %v), fresh fetch = %.80q", g.name, d.ID(), s, err, finals[d.ID()])
			}
		}
	}
	for id, want := range finals {
		if text, err := replay(logs[id]); err != nil || text != want {
			f.mismatches++
			t.Errorf("%s: replay of the op log = %.80q (err %v), fresh fetch = %.80q", id, text, err, want)
		}
	}
}

// checkLog checks the op log against the acknowledged ops and the final
// texts against the tokens.
func checkLog(t *testing.T, f *figures, logs map[string][]logRow, acked []ack, tried []string) {
	t.Helper()
	count := countPairs(t, f, logs)
	f.acked = len(acked)
	for _, a := range acked {
		n := count[pairKey{a.doc, a.src, a.seq}]
		rows := rowsWith(logs[a.doc], a.token)
		switch {
		case n == 0:
			f.lost++
			t.Errorf("acknowledged op %s (%q, %d) on %s is not in Postgres", a.token, a.src, a.seq, a.doc)
		case len(rows) != 1 || rows[0].src != a.src || rows[0].seq != a.seq:
			f.lost++
			t.Errorf("acknowledged op %s (%q, %d) on %s: the op log rows carrying its token are %v", a.token, a.src, a.seq, a.doc, rows)
		default:
			f.found++
		}
	}
	for _, tok := range tried {
		n := 0
		for _, rows := range logs {
			n += len(rowsWith(rows, tok))
		}
		if n > 1 {
			f.duplicates += n - 1
			t.Errorf("unacknowledged token %s is in %d ops", tok, n)
		}
	}
}

// pairKey is an op's identity in one document's log.
type pairKey struct {
	doc, src string
	seq      int64
}

// countPairs counts each (src, seq) per document, checking that versions
// are dense and reporting pairs stored more than once.
func countPairs(t *testing.T, f *figures, logs map[string][]logRow) map[pairKey]int {
	t.Helper()
	count := map[pairKey]int{}
	for doc, rows := range logs {
		for i, r := range rows {
			if r.version != int64(i) {
				f.versionGaps++
				t.Errorf("%s: op %d has version %d: versions are not dense", doc, i, r.version)
			}
			if r.src != "" {
				count[pairKey{doc, r.src, r.seq}]++
			}
		}
	}
	for k, n := range count {
		if n > 1 {
			f.duplicates += n - 1
			t.Errorf("(%q, %d) appears %d times in %s's op log", k.src, k.seq, n, k.doc)
		}
	}
	return count
}

// rowsWith returns the op log rows whose op carries token. An op's
// inserted text is stored whole, so this finds each acknowledged op by
// content even where later concurrent inserts split its token in the
// document's text (a Go client reads its text and then submits; a remote
// op applied in between can move the chosen offset inside a new token).
func rowsWith(rows []logRow, token string) []logRow {
	var out []logRow
	for _, r := range rows {
		if strings.Contains(r.op, token) {
			out = append(out, r)
		}
	}
	return out
}
