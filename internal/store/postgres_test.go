package store_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"io/fs"

	"github.com/jackc/pgx/v5"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
	"github.com/weftdev/weft/internal/store"
	"github.com/weftdev/weft/internal/store/storetest"
	"github.com/weftdev/weft/migrations"
)

var _ session.Store = (*store.Postgres)(nil)

// testDatabaseURL returns the server the Postgres tests use, skipping the
// test when none is configured.
func testDatabaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("WEFT_TEST_DATABASE_URL")
	if u == "" {
		t.Skip("WEFT_TEST_DATABASE_URL is not set: run `make test`, which starts a throwaway Postgres")
	}
	return u
}

// freshSchema creates an empty schema for the test, dropped at cleanup,
// and returns a URL whose connections use it.
func freshSchema(t testing.TB) string {
	t.Helper()
	admin := testDatabaseURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", admin, err)
	}
	defer conn.Close(ctx)
	schema := "weft_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParam(t, admin, "search_path", schema)
}

// withParam adds a connection parameter to a URL or key=value string.
func withParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " " + key + "=" + value
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", dsn, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgres opens a Postgres store on a fresh schema, closed at cleanup.
func openPostgres(t *testing.T) *store.Postgres {
	t.Helper()
	return openPostgresAt(t, freshSchema(t))
}

func openPostgresAt(t *testing.T, dsn string) *store.Postgres {
	t.Helper()
	s, err := store.OpenPostgres(context.Background(), dsn, store.PostgresOptions{}, testLogger(t))
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestPostgresConformance(t *testing.T) {
	testDatabaseURL(t)
	storetest.Run(t, func(t *testing.T) session.Store { return openPostgres(t) })
}

// TestMigrateConcurrent migrates one fresh schema from several goroutines
// at once: all must succeed, and each migration must be applied once.
func TestMigrateConcurrent(t *testing.T) {
	dsn := freshSchema(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = store.Migrate(context.Background(), dsn, testLogger(t)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i, err)
		}
	}
	if err := store.Migrate(context.Background(), dsn, testLogger(t)); err != nil {
		t.Errorf("Migrate of an up-to-date schema: %v", err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var version int64
	var dirty bool
	if err := conn.QueryRow(ctx, "SELECT version, dirty FROM "+store.MigrationsTable).Scan(&version, &dirty); err != nil {
		t.Fatalf("read migration version: %v", err)
	}
	if want := latestMigration(t); version != want || dirty {
		t.Errorf("schema version %d (dirty %v), want %d (clean)", version, dirty, want)
	}
	var tables int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name IN ('weft_docs', 'weft_ops', 'weft_snapshots')`).Scan(&tables)
	if err != nil || tables != 3 {
		t.Errorf("tables after Migrate: %d (%v), want 3", tables, err)
	}
	// The migrated schema works as a store without migrating again.
	s, err := store.OpenPostgres(ctx, dsn, store.PostgresOptions{SkipMigrations: true}, testLogger(t))
	if err != nil {
		t.Fatalf("OpenPostgres(SkipMigrations): %v", err)
	}
	defer s.Close()
	if got, err := s.Commit(ctx, []session.Commit{createCommit("c", "d", 0, "a", 1)}); err != nil || !got[0] {
		t.Errorf("Commit on the migrated schema = %v, %v; want [true]", got, err)
	}
}

// createCommit returns a commit of one create (v == 0) or edit.
func createCommit(collection, id string, v int64, src string, seq int64) session.Commit {
	op := ot.Op{Version: v, Src: src, Seq: seq, Ts: 1000 + v}
	if v == 0 {
		op.Create = &ot.Create{Type: "http://sharejs.org/types/JSONv0", Data: map[string]any{}}
	} else {
		op.Edit = []any{map[string]any{"p": []any{"n"}, "oi": float64(v)}}
	}
	return session.Commit{Collection: collection, ID: id, Ops: []ot.Op{op}}
}

// TestPostgresDuplicateSrcSeq checks the (src, seq) rule: a resubmitted op
// at a new version is reported false and not stored; other documents of the
// same batch still commit; ops without a src never collide; a commit that
// repeats a pair is malformed.
func TestPostgresDuplicateSrcSeq(t *testing.T) {
	s := openPostgres(t)
	ctx := context.Background()
	mustCommitPG(t, s, []bool{true}, createCommit("c", "d", 0, "alice", 1))
	mustCommitPG(t, s, []bool{false, true},
		createCommit("c", "d", 1, "alice", 1), createCommit("c", "other", 0, "alice", 1))
	if h, _ := s.Head(ctx, "c", "d"); h != 1 {
		t.Errorf("Head after a duplicate = %d, want 1", h)
	}
	// Within one batch: the second commit of the same pair loses.
	mustCommitPG(t, s, []bool{true, false},
		createCommit("c", "d", 1, "bob", 1), createCommit("c", "d", 2, "bob", 1))
	// Ops without a src (stored as NULL) never count as duplicates.
	mustCommitPG(t, s, []bool{true, true}, createCommit("c", "d", 2, "", 0), createCommit("c", "d", 3, "", 0))
	ops, err := s.Ops(ctx, "c", "d", 0, -1)
	if err != nil {
		t.Fatalf("Ops: %v", err)
	}
	var got []string
	for _, op := range ops {
		got = append(got, fmt.Sprintf("v%d:%s/%d", op.Version, op.Src, op.Seq))
	}
	if want := "[v0:alice/1 v1:bob/1 v2:/0 v3:/0]"; fmt.Sprint(got) != want {
		t.Errorf("Ops = %v, want %s", got, want)
	}
	twice := createCommit("c", "e", 0, "carol", 1)
	twice.Ops = append(twice.Ops, ot.Op{Version: 1, Src: "carol", Seq: 1, Ts: 1, Del: true})
	if _, err := s.Commit(ctx, []session.Commit{twice}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Commit repeating a pair: error %v, want one wrapping ErrInvalid", err)
	}
}

func mustCommitPG(t *testing.T, s *store.Postgres, want []bool, commits ...session.Commit) {
	t.Helper()
	got, err := s.Commit(context.Background(), commits)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Commit = %v, want %v", got, want)
	}
}

// TestPostgresTwoStores has two stores (two pools, as two instances would)
// race on one document: every version is won exactly once.
func TestPostgresTwoStores(t *testing.T) {
	dsn := freshSchema(t)
	stores := []*store.Postgres{openPostgresAt(t, dsn), openPostgresAt(t, dsn)}
	const perStore = 20
	var wg sync.WaitGroup
	won := make([]int, len(stores))
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() {
			for seq := int64(1); seq <= perStore; {
				h, err := s.Head(context.Background(), "c", "hot")
				if err != nil {
					errs[i] = err
					return
				}
				got, err := s.Commit(context.Background(), []session.Commit{createCommit("c", "hot", h, fmt.Sprint("s", i), seq)})
				if err != nil {
					errs[i] = err
					return
				}
				if got[0] {
					won[i]++
					seq++
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("store %d: %v", i, err)
		}
	}
	ops, err := stores[1].Ops(context.Background(), "c", "hot", 0, -1)
	if err != nil {
		t.Fatalf("Ops: %v", err)
	}
	if len(ops) != 2*perStore || won[0] != perStore || won[1] != perStore {
		t.Errorf("%d ops stored, wins %v; want %d ops and %d wins each", len(ops), won, 2*perStore, perStore)
	}
}

// TestPostgresRefusesNonDurable checks that a session with
// synchronous_commit off is refused unless explicitly allowed.
func TestPostgresRefusesNonDurable(t *testing.T) {
	dsn := withParam(t, freshSchema(t), "synchronous_commit", "off")
	ctx := context.Background()
	if s, err := store.OpenPostgres(ctx, dsn, store.PostgresOptions{}, testLogger(t)); !errors.Is(err, store.ErrNotDurable) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("OpenPostgres with synchronous_commit=off: error %v, want one wrapping ErrNotDurable", err)
	}
	s, err := store.OpenPostgres(ctx, dsn, store.PostgresOptions{AllowNonDurable: true}, testLogger(t))
	if err != nil {
		t.Fatalf("OpenPostgres with AllowNonDurable: %v", err)
	}
	s.Close()
}

// latestMigration is the number of the newest embedded migration file.
func latestMigration(t *testing.T) int64 {
	t.Helper()
	entries, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil {
		t.Fatalf("list migrations: %v", err)
	}
	var latest int64
	for _, name := range entries {
		var n int64
		if _, err := fmt.Sscanf(name, "%04d_", &n); err == nil && n > latest {
			latest = n
		}
	}
	return latest
}

// BenchmarkPostgresCommit is BenchmarkBoltCommit on Postgres: durable
// commits of one small op each, one per transaction or 64 documents' ops
// per transaction (group commit).
func BenchmarkPostgresCommit(b *testing.B) {
	for _, batch := range []int{1, 64} {
		name := "single"
		if batch > 1 {
			name = fmt.Sprintf("batch%d", batch)
		}
		b.Run(name, func(b *testing.B) {
			s, err := store.OpenPostgres(context.Background(), freshSchema(b), store.PostgresOptions{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchCommit(b, s, batch)
		})
	}
}

// TestPostgresRebase: a commit that lost the race and carries a Rebase is
// handed the ops committed since its version, under the document's lock,
// and the commit Rebase returns is written in its place in the same batch;
// a Rebase that declines leaves the commit lost, and a commit without one
// is simply lost.
func TestPostgresRebase(t *testing.T) {
	s := openPostgres(t)
	ctx := context.Background()
	mustCommitPG(t, s, []bool{true, true}, createCommit("c", "d", 0, "a", 1), createCommit("c", "e", 0, "a", 2))
	mustCommitPG(t, s, []bool{true, true}, createCommit("c", "d", 1, "other", 1), createCommit("c", "d", 2, "other", 2))

	var missed []string
	late := createCommit("c", "d", 1, "me", 1)
	late.Rebase = func(ops []ot.Op) (session.Commit, bool) {
		for _, op := range ops {
			missed = append(missed, fmt.Sprintf("v%d:%s/%d", op.Version, op.Src, op.Seq))
		}
		return createCommit("c", "d", 1+int64(len(ops)), "me", 1), true
	}
	declined := createCommit("c", "e", 0, "me", 2)
	declined.Rebase = func([]ot.Op) (session.Commit, bool) { return session.Commit{}, false }
	mustCommitPG(t, s, []bool{true, false, false}, late, declined, createCommit("c", "e", 0, "me", 3))
	if want := "[v1:other/1 v2:other/2]"; fmt.Sprint(missed) != want {
		t.Errorf("Rebase was given %v, want %s", missed, want)
	}
	ops, err := s.Ops(ctx, "c", "d", 0, -1)
	if err != nil {
		t.Fatalf("Ops: %v", err)
	}
	if len(ops) != 4 || ops[3].Src != "me" || ops[3].Version != 3 {
		t.Errorf("log of d = %v, want the rebased op at v3", ops)
	}
	if h, _ := s.Head(ctx, "c", "e"); h != 1 {
		t.Errorf("Head of e = %d, want 1 (nothing written for the declined commits)", h)
	}
	// A Rebase that returns a commit for another document is refused.
	bad := createCommit("c", "d", 1, "x", 1)
	bad.Rebase = func([]ot.Op) (session.Commit, bool) { return createCommit("c", "zz", 0, "x", 1), true }
	if _, err := s.Commit(ctx, []session.Commit{bad}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("rebase onto another document: error %v, want one wrapping ErrInvalid", err)
	}
}
