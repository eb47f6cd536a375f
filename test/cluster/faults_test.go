package cluster

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

// faultLoad is the workload of the fault tests: small enough for a 2-core
// machine under -race, long enough that faults land mid-load.
func faultLoad(seed uint64) loadConfig {
	return loadConfig{clients: 6, opsEach: 40, hot: 3, cold: 12, coldEach: 4, seed: seed}
}

// outage keeps a fault in place until at least d has passed and progress
// reports true (both polled), bounded by a minute.
func outage(t *testing.T, d time.Duration, progress func() bool) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < d || !progress() {
		if time.Since(start) > time.Minute {
			t.Fatal("no progress during the fault within a minute")
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// waitLog polls until every instance has logged a line containing s.
func (c *cluster) waitLog(s string, within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for _, n := range c.nodes {
		for !strings.Contains(n.log(), s) {
			if time.Now().After(deadline) {
				c.t.Fatalf("%s has not logged %q within %v", n.name, s, within)
			}
			time.Sleep(20 * time.Millisecond) // polling interval
		}
	}
}

// requireClean fails the test unless the figures show no loss, no
// duplicate, no divergence and dense versions.
func requireClean(t *testing.T, f figures) {
	t.Helper()
	if f.lost != 0 || f.duplicates != 0 || f.mismatches != 0 || f.versionGaps != 0 || f.found != f.acked {
		t.Errorf("invariants broken: %s", f)
	}
}

// requireAllAcked fails unless every client reached its op count.
func requireAllAcked(t *testing.T, l *load, f figures) {
	t.Helper()
	if want := l.cfg.clients * l.cfg.opsEach; f.acked < want {
		t.Errorf("acked %d of %d ops: service did not resume; errors: %q", f.acked, want, l.errs())
	}
}

// requireNoneFailed fails if any submit failed; why says what the fault
// allowed ("" for nothing to add).
func requireNoneFailed(t *testing.T, l *load, f figures, why string) {
	t.Helper()
	if f.failed != 0 {
		t.Errorf("%d submits failed%s: %q", f.failed, why, l.errs())
	}
}

// TestRedisUnreachable cuts every instance's Redis link for several
// seconds mid-load: edits keep being acknowledged (Postgres is the
// record), and after the link returns every instance catches up.
func TestRedisUnreachable(t *testing.T) {
	c := newCluster(t, options{})
	l := startLoad(t, c, faultLoad(2))
	l.waitAcks(40, time.Minute)
	c.rd.Stop()
	before := l.h.acks.Load()
	outage(t, 3*time.Second, func() bool { return l.h.acks.Load() >= before+30 })
	during := l.h.acks.Load() - before
	if err := c.rd.Start(); err != nil {
		t.Fatalf("restore the Redis link: %v", err)
	}
	healed := time.Now()
	c.waitLog("Redis reconnected", time.Minute)
	f := l.verify(c, "redis-unreachable", healed)
	t.Logf("redis-unreachable: %d ops acknowledged while Redis was unreachable", during)
	requireClean(t, f)
	requireAllAcked(t, l, f)
	requireNoneFailed(t, l, f, " while only Redis was down")
}

// TestRedisRestarted restarts the (private) Redis server mid-load: its
// subscriptions are gone and messages published meanwhile are lost.
func TestRedisRestarted(t *testing.T) {
	c := newCluster(t, options{privateRedis: true})
	l := startLoad(t, c, faultLoad(3))
	l.waitAcks(40, time.Minute)
	c.redis.stop(t)
	before := l.h.acks.Load()
	outage(t, time.Second, func() bool { return l.h.acks.Load() >= before+20 })
	c.redis.start(t)
	healed := time.Now()
	c.waitLog("Redis reconnected", time.Minute)
	f := l.verify(c, "redis-restarted", healed)
	requireClean(t, f)
	requireAllAcked(t, l, f)
	requireNoneFailed(t, l, f, " while only Redis restarted")
}

// TestPostgresUnreachable cuts every instance's Postgres link mid-load:
// submissions fail with an error (none is acknowledged without its
// commit), nothing acknowledged is lost, and service resumes.
func TestPostgresUnreachable(t *testing.T) {
	c := newCluster(t, options{})
	l := startLoad(t, c, faultLoad(4))
	l.waitAcks(40, time.Minute)
	c.pg.Stop()
	failedBefore, ackedBefore := l.failures(), l.h.acks.Load()
	outage(t, 3*time.Second, func() bool { return l.failures() >= failedBefore+6 })
	// Acks that landed while the link was down: commits finished just
	// before the cut can still be acknowledged; the invariant checked is
	// that every acknowledged op is in Postgres.
	t.Logf("postgres-unreachable: %d submits failed and %d acks arrived while Postgres was unreachable",
		l.failures()-failedBefore, l.h.acks.Load()-ackedBefore)
	if err := c.pg.Start(); err != nil {
		t.Fatalf("restore the Postgres link: %v", err)
	}
	healed := time.Now()
	f := l.verify(c, "postgres-unreachable", healed)
	requireClean(t, f)
	requireAllAcked(t, l, f)
	if f.failed == 0 {
		t.Error("no submission failed while Postgres was unreachable")
	}
}

// TestInstanceKilled kills one instance with SIGKILL mid-load: its clients
// reconnect through nginx to the others and resubmit, exactly once.
func TestInstanceKilled(t *testing.T) {
	c := newCluster(t, options{})
	l := startLoad(t, c, faultLoad(5))
	l.waitAcks(40, time.Minute)
	victim := c.nodes[1]
	f := killUnderLoad(t, c, l, victim, "instance-killed")
	requireClean(t, f)
	if f.resends == 0 {
		t.Error("no client resent an op after the kill: the fault missed the load")
	}
	requireAllAcked(t, l, f)
	requireNoneFailed(t, l, f, ": clients should only have reconnected")
}

// killUnderLoad kills victim with SIGKILL, waits until the load has 40
// more acks, starts victim again and verifies the run as name.
func killUnderLoad(t *testing.T, c *cluster, l *load, victim *node, name string) figures {
	t.Helper()
	_ = victim.kill(t, syscall.SIGKILL)
	killed := time.Now()
	before := l.h.acks.Load()
	l.waitAcks(before+40, time.Minute)
	if err := victim.start(weftBinary(t)); err != nil {
		t.Fatal(err)
	}
	return l.verify(c, name, killed)
}

// TestRollingRestart drains and restarts every instance in turn (SIGTERM)
// under load: no acknowledged op is lost, clients see only reconnects, and
// the drained instances close their sockets with 1012.
func TestRollingRestart(t *testing.T) {
	c := newCluster(t, options{})
	cfg := faultLoad(6)
	cfg.opsEach = 400
	total := int64(cfg.clients * cfg.opsEach)
	l := startLoad(t, c, cfg)
	var drains []time.Duration
	for _, n := range c.nodes {
		l.waitAcks(min(l.h.acks.Load()+30, total), time.Minute)
		if acked := l.h.acks.Load(); acked >= total {
			t.Fatalf("the load ended (%d acks) before %s was restarted: raise opsEach so every restart happens under load", acked, n.name)
		}
		start := time.Now()
		if err := n.kill(t, syscall.SIGTERM); err != nil {
			t.Errorf("%s exited with %v after SIGTERM", n.name, err)
		}
		drains = append(drains, time.Since(start))
		if err := n.start(weftBinary(t)); err != nil {
			t.Fatal(err)
		}
	}
	last := time.Now()
	f := l.verify(c, "rolling-restart", last)
	l.h.mu.Lock()
	t.Logf("rolling-restart: drain times %v; client sockets closed by code %v", drains, l.h.closes)
	l.h.mu.Unlock()
	// A SIGTERM drain tells clients 1012 (service restart); nginx relays
	// the close frame. Every restart under load closes some client.
	if n := l.h.closeCount(int(websocket.StatusServiceRestart)); n < len(c.nodes) {
		t.Errorf("%d client sockets closed with 1012, want at least one per restart (%d)", n, len(c.nodes))
	}
	if n := l.h.closeCount(int(websocket.StatusGoingAway)); n != 0 {
		t.Errorf("%d client sockets closed with 1001 during a SIGTERM rolling restart, want 1012 only", n)
	}
	requireClean(t, f)
	requireAllAcked(t, l, f)
	requireNoneFailed(t, l, f, ": clients should only have reconnected")
}

// TestRedisMessageLost commits ops whose Redis message is lost: they are
// written straight to Postgres, as by an instance that committed and
// never published. The periodic head check is off (10 min), so the
// instances can only learn of them from the version gap the next
// published op shows, filled from Postgres.
func TestRedisMessageLost(t *testing.T) {
	c := newCluster(t, options{})
	cfg := faultLoad(7)
	// The injection competes with the load for the hot documents' next
	// versions, so it can take a while: a long load keeps ops being
	// published after it.
	cfg.opsEach *= 4
	total := int64(cfg.clients * cfg.opsEach)
	l := startLoad(t, c, cfg)
	l.waitAcks(40, time.Minute)
	injected := c.commitUnpublished(cfg.allDocs()[:cfg.hot], 6)
	last := time.Now()
	if acked := l.h.acks.Load(); acked+60 > total {
		t.Fatalf("the load was nearly over (%d of %d acks) when the injection ended: raise opsEach so ops are published after it", acked, total)
	}
	l.waitAcks(l.h.acks.Load()+60, time.Minute)
	f := l.verify(c, "redis-message-lost", last, injected...)
	requireClean(t, f)
	requireAllAcked(t, l, f)
	requireNoneFailed(t, l, f, "")
}

// TestRedisMessageDropped drops, on every instance's Redis connection, the
// next pub/sub message of a hot document (a toxic parsing the RESP stream)
// once the load is over: no error, no reconnect, and the head check is off
// (10 min). One more op then shows the instances a version gap, which they
// must fill from Postgres for their subscribers to converge.
func TestRedisMessageDropped(t *testing.T) {
	c := newCluster(t, options{})
	cfg := faultLoad(8)
	l := startLoad(t, c, cfg)
	l.finish()
	spec := fmt.Sprintf(`{"name":"drop","type":"weft_drop_messages","stream":"downstream","attributes":{"channel":%q,"count":1}}`,
		c.prefix+collection+"."+docName("hot", 0))
	w, err := c.rd.Toxics.AddToxicJson(strings.NewReader(spec))
	if err != nil {
		t.Fatalf("add the drop toxic: %v", err)
	}
	toxic := w.Toxic.(*dropMessages)
	writer := l.clients[0]
	var extra []ack
	extra = append(extra, l.submitOne(writer, writer.docs[0], "<dropped>"))
	// Every instance subscribed to the document drops its copy.
	outage(t, 0, func() bool { return toxic.Dropped() == len(c.nodes) })
	last := time.Now()
	extra = append(extra, l.submitOne(writer, writer.docs[0], "<after>"))
	f := l.verify(c, "redis-message-dropped", last, extra...)
	t.Logf("redis-message-dropped: %d messages dropped", toxic.Dropped())
	requireClean(t, f)
	for _, n := range c.nodes {
		if strings.Contains(n.log(), "Redis reconnected") {
			t.Errorf("%s reconnected to Redis: the drop should have been silent", n.name)
		}
	}
}

// owner returns the instance holding the lease of document id (document
// ownership), read from Redis and matched with the id each instance logs
// at start.
func (c *cluster) owner(id string) *node {
	c.t.Helper()
	opts, err := redis.ParseURL(os.Getenv("WEFT_TEST_REDIS_URL"))
	if err != nil {
		c.t.Fatal(err)
	}
	rc := redis.NewClient(opts)
	defer rc.Close()
	key := c.prefix + "own:" + collection + "." + id
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		holder, err := rc.Get(ctx, key).Result()
		cancel()
		if err == nil {
			for _, n := range c.nodes {
				if strings.Contains(n.log(), "instance="+holder) {
					return n
				}
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no instance holds the lease %s (last read: %q, %v)", key, holder, err)
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}

// TestOwnerKilled kills with SIGKILL the instance owning a hot document
// while the others forward their clients' submits to it: its own clients
// reconnect elsewhere and resend, the others' forwarded submits fall back
// to local commits, and every acknowledged op is in Postgres exactly once.
func TestOwnerKilled(t *testing.T) {
	c := newCluster(t, options{})
	l := startLoad(t, c, faultLoad(11))
	l.waitAcks(40, time.Minute)
	victim := c.owner(docName("hot", 0))
	forwarded := 0.0
	for _, n := range c.nodes {
		if n != victim {
			v, _ := strconv.ParseFloat(metric(t, n, "weft_submits_forwarded_total"), 64)
			forwarded += v
		}
	}
	if forwarded == 0 {
		t.Error("no instance forwarded a submit to the owner before the kill")
	}
	f := killUnderLoad(t, c, l, victim, "owner-killed")
	fellBack := 0.0
	for _, n := range c.nodes {
		if n != victim {
			v, _ := strconv.ParseFloat(metric(t, n, "weft_forward_fallbacks_total"), 64)
			fellBack += v
		}
	}
	t.Logf("forwarded before the kill: %v; fallbacks: %v", forwarded, fellBack)
	requireClean(t, f)
	requireAllAcked(t, l, f)
	requireNoneFailed(t, l, f, ": clients should only have reconnected")
}
