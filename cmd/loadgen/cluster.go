package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weftdev/weft/internal/client/refserver"
)

// instanceHeader is the response header the benchmark's nginx adds to every
// upgrade: the address of the instance that serves the socket.
const instanceHeader = "X-Upstream"

// cluster is a running set of instances of one server behind nginx, on
// their own fresh database.
type cluster struct {
	url   string // nginx's WebSocket URL
	pids  []int  // the instances' process ids
	db    string // the database's name
	stops []func()
}

// stop stops nginx and the instances (in reverse start order).
func (c *cluster) stop() {
	for i := len(c.stops) - 1; i >= 0; i-- {
		c.stops[i]()
	}
	c.stops = nil
}

// pgAdmin is a connection to the benchmark's Postgres (a superuser URL on
// loopback) that creates the targets' databases and reads their
// statistics.
type pgAdmin struct {
	url  *url.URL
	conn *pgx.Conn
}

func openPGAdmin(ctx context.Context, raw string) (*pgAdmin, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("--database-url %q must be a postgres:// URL", raw)
	}
	if err := loopbackHost(u.Hostname()); err != nil {
		return nil, fmt.Errorf("--database-url: %w", err)
	}
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &pgAdmin{url: u, conn: conn}, nil
}

// loopbackHost refuses hosts that are not this machine.
func loopbackHost(host string) error {
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("host %q is not a loopback address", host)
	}
	return nil
}

// pgSettings is what the benchmark records about the server.
type pgSettings struct {
	Version           string `json:"version"`
	SynchronousCommit string `json:"synchronous_commit"`
	Fsync             string `json:"fsync"`
	WalSyncMethod     string `json:"wal_sync_method"`
}

// settings reads the server's durability settings and refuses a server
// that would acknowledge commits before they are flushed: the benchmark
// compares durable commits.
func (a *pgAdmin) settings(ctx context.Context) (pgSettings, error) {
	var s pgSettings
	err := a.conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('synchronous_commit'),
current_setting('fsync'), current_setting('wal_sync_method')`).Scan(&s.Version, &s.SynchronousCommit, &s.Fsync, &s.WalSyncMethod)
	if err != nil {
		return s, fmt.Errorf("read postgres settings: %w", err)
	}
	if s.SynchronousCommit != "on" || s.Fsync != "on" {
		return s, fmt.Errorf("postgres runs with synchronous_commit=%s fsync=%s; the benchmark needs both on", s.SynchronousCommit, s.Fsync)
	}
	return s, nil
}

// freshDB drops and creates database name and returns its URL.
func (a *pgAdmin) freshDB(ctx context.Context, name string) (string, error) {
	id := pgx.Identifier{name}.Sanitize()
	if _, err := a.conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop database %s: %w", name, err)
	}
	if _, err := a.conn.Exec(ctx, "CREATE DATABASE "+id); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u := *a.url
	u.Path = "/" + name
	return u.String(), nil
}

// pgCounters are cumulative server counters; the difference of two
// readings measures a run.
type pgCounters struct {
	XactCommit int64 // pg_stat_database.xact_commit of the target's database
	NextXID    int64 // the next transaction id: write transactions started
	WalSync    int64 // pg_stat_wal.wal_sync: WAL flushes to disk
}

func (a *pgAdmin) counters(ctx context.Context, db string) (pgCounters, error) {
	var c pgCounters
	err := a.conn.QueryRow(ctx, `SELECT
  (SELECT coalesce(xact_commit, 0) FROM pg_stat_database WHERE datname = $1),
  pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
  (SELECT wal_sync FROM pg_stat_wal)`, db).Scan(&c.XactCommit, &c.NextXID, &c.WalSync)
	if err != nil {
		return c, fmt.Errorf("read postgres counters: %w", err)
	}
	return c, nil
}

// waitIdle waits (at most 20 s) until no session is connected to db, so
// that every backend that served the run has exited and flushed its
// statistics.
func (a *pgAdmin) waitIdle(ctx context.Context, db string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var n int
		if err := a.conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, db).Scan(&n); err != nil {
			return fmt.Errorf("wait for %s's sessions to end: %w", db, err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d sessions still on %s: %w", n, db, ctx.Err())
		case <-tick.C:
		}
	}
}

// startWeftCluster starts n Weft instances on dbURL and redisURL, each on a
// free loopback port (the first with --pprof-addr when pprof is set).
func startWeftCluster(ctx context.Context, bin, dbURL, redisURL string, n int, pprof string) ([]int, []string, []func(), error) {
	var pids []int
	var addrs []string
	var stops []func()
	for i := range n {
		port, err := freePort()
		if err != nil {
			return pids, addrs, stops, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		// Abuse limits off, as in `loadgen bench`: every editor reaches
		// the instances from nginx's address, far faster than people type.
		args := []string{"--addr", addr, "--postgres-url", dbURL, "--redis-url", redisURL, "--log-level", "error",
			"--max-connections", "0", "--max-connections-per-ip", "0", "--op-rate", "0", "--presence-rate", "0"}
		if i == 0 && pprof != "" {
			args = append(args, "--pprof-addr", pprof)
		}
		cmd := exec.Command(bin, args...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return pids, addrs, stops, fmt.Errorf("start %s: %w", bin, err)
		}
		stops = append(stops, func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		})
		if err := waitHealthy(ctx, "http://"+addr+"/healthz"); err != nil {
			return pids, addrs, stops, err
		}
		pids, addrs = append(pids, cmd.Process.Pid), append(addrs, addr)
	}
	return pids, addrs, stops, nil
}

// startRefCluster starts n reference servers (sharedb-postgres,
// sharedb-redis-pubsub) on dbURL and redisURL.
func startRefCluster(dir, dbURL, redisURL string, n int) ([]int, []string, []func(), error) {
	var pids []int
	var addrs []string
	var stops []func()
	for range n {
		s, err := refserver.Run(dir, 0, "--postgres", dbURL, "--redis", redisURL)
		if err != nil {
			return pids, addrs, stops, err
		}
		stops = append(stops, s.Stop)
		u, err := url.Parse(s.URL)
		if err != nil {
			return pids, addrs, stops, err
		}
		pids, addrs = append(pids, s.PID), append(addrs, u.Host)
	}
	return pids, addrs, stops, nil
}

// refSchema creates sharedb-postgres's tables (its structure.sql) in dbURL.
func refSchema(ctx context.Context, dir, dbURL string) error {
	sql, err := os.ReadFile(filepath.Join(dir, "node_modules", "sharedb-postgres", "structure.sql"))
	if err != nil {
		return fmt.Errorf("sharedb-postgres schema: %w", err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect to the reference's database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, string(sql)); err != nil {
		return fmt.Errorf("apply sharedb-postgres's structure.sql: %w", err)
	}
	return nil
}

// nginxBin finds nginx.
func nginxBin() (string, error) {
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path, nil
		}
	}
	return "", errors.New("nginx is not installed (Debian: apt-get install -y nginx)")
}

// renderNginx fills the deploy/nginx.conf template: one upstream line per
// instance, the listen address, and a response header naming the instance
// that serves each request (so editors can be placed on instances).
func renderNginx(tmpl string, upstreams []string, listen string) (string, error) {
	for _, ph := range []string{"@UPSTREAMS@\n", "@LISTEN@", "proxy_buffering off;"} {
		if !strings.Contains(tmpl, ph) {
			return "", fmt.Errorf("the nginx template lacks %q", ph)
		}
	}
	var ups strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&ups, "\t\tserver %s max_fails=1 fail_timeout=2s;\n", u)
	}
	s := strings.Replace(tmpl, "@UPSTREAMS@\n", ups.String(), 1)
	s = strings.ReplaceAll(s, "@LISTEN@", listen)
	return strings.Replace(s, "proxy_buffering off;",
		"proxy_buffering off;\n\t\t\tadd_header "+instanceHeader+" $upstream_addr always;", 1), nil
}

// startNginx runs nginx in the foreground from a temporary prefix in front
// of upstreams and returns its WebSocket URL and stop.
func startNginx(ctx context.Context, bin, tmplPath string, upstreams []string) (string, func(), error) {
	tmpl, err := os.ReadFile(tmplPath)
	if err != nil {
		return "", nil, fmt.Errorf("read the nginx template: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	conf, err := renderNginx(string(tmpl), upstreams, listen)
	if err != nil {
		return "", nil, err
	}
	prefix, err := os.MkdirTemp("", "weft-bench-nginx-")
	if err != nil {
		return "", nil, err
	}
	for _, d := range []string{"logs", "tmp"} {
		if err := os.Mkdir(filepath.Join(prefix, d), 0o755); err != nil {
			os.RemoveAll(prefix)
			return "", nil, err
		}
	}
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		os.RemoveAll(prefix)
		return "", nil, err
	}
	global := "daemon off;"
	if os.Geteuid() == 0 {
		global += " user root;" // workers write to the temporary prefix
	}
	cmd := exec.Command(bin, "-p", prefix+"/", "-c", confPath, "-e", filepath.Join(prefix, "logs", "error.log"), "-g", global)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(prefix)
		return "", nil, fmt.Errorf("start nginx: %w", err)
	}
	stop := func() {
		// SIGTERM: the master stops its workers too.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		os.RemoveAll(prefix)
	}
	if err := waitTCP(ctx, listen); err != nil {
		stop()
		return "", nil, err
	}
	return "ws://" + listen + "/ws", stop, nil
}

// waitTCP waits (at most 20 s) until addr accepts connections.
func waitTCP(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var d net.Dialer
		if c, err := d.DialContext(ctx, "tcp", addr); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing listens on %s: %w", addr, ctx.Err())
		case <-tick.C:
		}
	}
}
