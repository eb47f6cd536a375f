package cluster

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// options shape a cluster.
type options struct {
	instances int
	// headCheck is the instances' --head-check-interval. The default is
	// longer than any test, so convergence comes from gap detection and
	// Redis resyncs, not from the periodic check.
	headCheck time.Duration
	// privateRedis runs a redis-server of the test's own (for tests that
	// restart Redis) instead of the shared one.
	privateRedis bool
}

// cluster is the system under test: instances behind nginx, reaching
// Postgres and Redis through toxiproxy.
type cluster struct {
	t           *testing.T
	dbURL       string // the test's schema, direct (for checks)
	prefix      string // Redis channel prefix
	pg, rd      *toxiproxy.Proxy
	redis       *redisServer // nil unless privateRedis
	nodes       []*node
	frontURL    string // ws:// URL of nginx
	httpURL     string // http:// URL of nginx
	nginxPrefix string
}

// newCluster starts everything and registers the cleanup.
func newCluster(t *testing.T, o options) *cluster {
	t.Helper()
	if o.instances == 0 {
		o.instances = 3
	}
	if o.headCheck == 0 {
		o.headCheck = 10 * time.Minute
	}
	admin, redisURL := os.Getenv("WEFT_TEST_DATABASE_URL"), os.Getenv("WEFT_TEST_REDIS_URL")
	if admin == "" || redisURL == "" {
		t.Skip("WEFT_TEST_DATABASE_URL and WEFT_TEST_REDIS_URL are not set: run `make test`, which starts a throwaway Postgres and Redis")
	}
	c := &cluster{t: t, prefix: "weft-cluster-" + strings.ToLower(rand.Text()[:10]) + ":"}
	c.dbURL = freshSchema(t, admin)
	if o.privateRedis {
		c.redis = startRedis(t)
		redisURL = c.redis.url()
	}
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	c.pg = startProxy(t, srv, "postgres", hostPort(t, c.dbURL))
	c.rd = startProxy(t, srv, "redis", hostPort(t, redisURL))
	c.startNodes(o, replaceHost(t, c.dbURL, c.pg.Listen), replaceHost(t, redisURL, c.rd.Listen))
	c.startNginx()
	return c
}

// startNodes starts the instances, all at once (their migrations race on
// purpose), reaching Postgres and Redis at the given URLs. At cleanup they
// are killed and their logs checked for data races.
func (c *cluster) startNodes(o options, pgURL, redisURL string) {
	t := c.t
	t.Helper()
	for i := range o.instances {
		// The clients submit each op as soon as the last is acknowledged
		// (150+ ops/s for a client on its document's owner), far faster
		// than anyone types: the per-connection op rate limit (100/s by
		// default, tested in internal/session) is off, or a fast run of a
		// fault test would see ERR_RATE_LIMITED instead of its faults.
		c.nodes = append(c.nodes, &node{name: fmt.Sprintf("weft%d", i+1), port: freePort(t), args: []string{
			"--op-rate", "0",
			"--data-dir", t.TempDir(),
			"--postgres-url", pgURL, "--redis-url", redisURL, "--redis-prefix", c.prefix,
			"--head-check-interval", o.headCheck.String(),
			"--shutdown-timeout", "20s", "--ping-interval", "2s", "--ping-timeout", "4s",
			"--health-interval", "200ms",
		}})
	}
	t.Cleanup(c.stopNodes)
	bin := weftBinary(t)
	errs := make(chan error, len(c.nodes))
	for _, n := range c.nodes {
		go func() { errs <- n.start(bin) }()
	}
	for range c.nodes {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

func (c *cluster) stopNodes() {
	t := c.t
	for _, n := range c.nodes {
		if cmd, _ := n.current(); cmd != nil {
			_ = n.kill(t, syscall.SIGKILL)
		}
		if strings.Contains(n.log(), "WARNING: DATA RACE") {
			t.Errorf("%s (built with -race) reported a data race", n.name)
		}
		if t.Failed() {
			t.Logf("%s logs (tail):\n%s", n.name, tail(n.log(), 20000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// freshSchema creates an empty schema, dropped at cleanup, and returns a URL
// whose connections use it.
func freshSchema(t *testing.T, admin string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to the test Postgres: %v", err)
	}
	defer conn.Close(ctx)
	schema := "weft_cluster_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
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
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("WEFT_TEST_DATABASE_URL must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func hostPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		t.Fatalf("%q is not a URL with a host", raw)
	}
	return u.Host
}

func replaceHost(t *testing.T, raw, host string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = host
	return u.String()
}

// startProxy runs an in-process toxiproxy proxy to upstream on a free
// loopback port, stopped at cleanup.
func startProxy(t *testing.T, srv *toxiproxy.ApiServer, name, upstream string) *toxiproxy.Proxy {
	t.Helper()
	p := toxiproxy.NewProxy(srv, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("start %s proxy: %v", name, err)
	}
	t.Cleanup(p.Stop)
	return p
}

// redisServer is a private redis-server that a test may restart.
type redisServer struct {
	port int
	dir  string
	cmd  *exec.Cmd
	done chan error
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (Debian: apt-get install redis-server)")
	}
	_ = bin
	r := &redisServer{port: freePort(t), dir: t.TempDir()}
	r.start(t)
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *redisServer) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", fmt.Sprint(r.port),
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--protected-mode", "no")
	r.cmd.Stdout, r.cmd.Stderr = nil, nil
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	r.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(r.cmd, r.done)
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", r.port), 30*time.Second)
}

func (r *redisServer) stop(t *testing.T) {
	t.Helper()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Errorf("redis-server did not exit")
	}
	r.cmd = nil
}

// prefixDir makes a temporary nginx prefix with the directories the
// template names.
func prefixDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
