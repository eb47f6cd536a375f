package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// clusterConfig is the command line of `loadgen bench-cluster`.
type clusterConfig struct {
	weftBin   string
	dbURL     string
	redisURL  string
	nginxConf string
	out       string
	duration  time.Duration
	runs      int
	instances int
	opType    string
	pprof     string
	scenarios []string
	targets   []string
}

func parseClusterFlags(args []string, stderr io.Writer) (clusterConfig, error) {
	var c clusterConfig
	fs := flag.NewFlagSet("loadgen bench-cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.weftBin, "weft-bin", "", "the built Weft server binary; required")
	fs.StringVar(&c.dbURL, "database-url", "", "a loopback Postgres superuser URL; each run gets a fresh database of its own; required")
	fs.StringVar(&c.redisURL, "redis-url", "", "a loopback Redis URL shared by the instances; required")
	fs.StringVar(&c.nginxConf, "nginx-conf", "deploy/nginx.conf", "the nginx template (deploy/nginx.conf)")
	fs.StringVar(&c.out, "out", "bench-cluster-results.json", "file to write the machine-readable results to")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "run time of each run")
	fs.IntVar(&c.runs, "runs", 3, "runs per scenario and server (the median is reported)")
	fs.IntVar(&c.instances, "instances", 2, "instances of each server behind nginx")
	fs.StringVar(&c.opType, "type", "text-unicode", "op type: text-unicode or json0")
	fs.StringVar(&c.pprof, "pprof-addr", "", "serve net/http/pprof of the first Weft instance on this loopback address")
	scenarios := fs.String("scenarios", "hot,spread", "comma-separated scenarios to run: hot, spread")
	targets := fs.String("targets", "weft,reference", "comma-separated servers to measure: weft, reference")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for _, sc := range strings.Split(*scenarios, ",") {
		if sc != "hot" && sc != "spread" {
			return c, fmt.Errorf("unknown scenario %q in --scenarios (hot, spread)", sc)
		}
		c.scenarios = append(c.scenarios, sc)
	}
	for _, tg := range strings.Split(*targets, ",") {
		if tg != "weft" && tg != "reference" {
			return c, fmt.Errorf("unknown target %q in --targets (weft, reference)", tg)
		}
		c.targets = append(c.targets, tg)
	}
	if c.weftBin == "" || c.dbURL == "" || c.redisURL == "" {
		return c, errors.New("bench-cluster needs --weft-bin, --database-url and --redis-url (make bench-cluster starts a throwaway Postgres and Redis)")
	}
	if c.runs < 1 || c.duration <= 0 || c.instances < 2 || c.instances > 16 {
		return c, errors.New("bench-cluster needs --runs >= 1, --duration > 0 and --instances in [2, 16]")
	}
	if err := checkRedisURL(c.redisURL); err != nil {
		return c, err
	}
	return c, nil
}

func checkRedisURL(raw string) error {
	i := strings.Index(raw, "://")
	if i < 0 || !strings.HasPrefix(raw, "redis") {
		return fmt.Errorf("--redis-url %q must be a redis:// URL", raw)
	}
	host := raw[i+3:]
	if j := strings.IndexAny(host, "/?"); j >= 0 {
		host = host[:j]
	}
	if j := strings.LastIndex(host, "@"); j >= 0 {
		host = host[j+1:]
	}
	if j := strings.LastIndex(host, ":"); j >= 0 {
		host = host[:j]
	}
	if err := loopbackHost(strings.Trim(host, "[]")); err != nil {
		return fmt.Errorf("--redis-url: %w", err)
	}
	return nil
}

// clusterRun is one run's figures plus the Postgres counters over it.
type clusterRun struct {
	result
	// XactCommits is the growth of pg_stat_database.xact_commit of the
	// target's database over the measured window (every committed
	// transaction, read-only ones included).
	XactCommits int64 `json:"xact_commits"`
	// WriteXacts is the number of transaction ids assigned meanwhile
	// (transactions that wrote something).
	WriteXacts int64 `json:"write_xacts"`
	// WalSyncs is the growth of pg_stat_wal.wal_sync (WAL flushes).
	WalSyncs         int64   `json:"wal_syncs"`
	OpsPerCommit     float64 `json:"ops_per_commit"`
	OpsPerWriteXact  float64 `json:"ops_per_write_xact"`
	OpsPerWalSync    float64 `json:"ops_per_wal_sync"`
	LoadAvgBefore    string  `json:"loadavg_before"`
	LoadAvgAfter     string  `json:"loadavg_after"`
	Instances        int     `json:"instances"`
	InstanceAffinity string  `json:"placement"`
}

// clusterRow is one scenario on one server: every run and the medians.
type clusterRow struct {
	Scenario string       `json:"scenario"`
	Target   string       `json:"target"`
	Runs     []clusterRun `json:"runs"`
	Median   clusterRun   `json:"median"`
}

// clusterTarget starts one server's cluster on a fresh database.
type clusterTarget struct {
	name  string
	start func(ctx context.Context, dbURL string) (pids []int, addrs []string, stops []func(), err error)
	// prepare readies the fresh database before the instances start.
	prepare func(ctx context.Context, dbURL string) error
}

// runBenchCluster measures Weft and the reference ShareDB server, each as
// several instances behind nginx on one Postgres and one Redis, scenario by
// scenario and run by run with the servers in turn, each run on fresh
// instances and a fresh database.
func runBenchCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cc, err := parseClusterFlags(args, stderr)
	if err != nil {
		return err
	}
	refDir, err := benchPrepare(stderr)
	if err != nil {
		return err
	}
	nginx, err := nginxBin()
	if err != nil {
		return err
	}
	admin, err := openPGAdmin(ctx, cc.dbURL)
	if err != nil {
		return err
	}
	defer admin.conn.Close(context.WithoutCancel(ctx))
	pg, err := admin.settings(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "postgres %s: synchronous_commit=%s fsync=%s wal_sync_method=%s\n", pg.Version, pg.SynchronousCommit, pg.Fsync, pg.WalSyncMethod)
	targets := []clusterTarget{
		{name: "weft", start: func(ctx context.Context, db string) ([]int, []string, []func(), error) {
			return startWeftCluster(ctx, cc.weftBin, db, cc.redisURL, cc.instances, cc.pprof)
		}},
		{name: "reference", start: func(_ context.Context, db string) ([]int, []string, []func(), error) {
			return startRefCluster(refDir, db, cc.redisURL, cc.instances)
		}, prepare: func(ctx context.Context, db string) error { return refSchema(ctx, refDir, db) }},
	}
	targets = slices.DeleteFunc(targets, func(t clusterTarget) bool { return !slices.Contains(cc.targets, t.name) })
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var rows []clusterRow
	for _, sc := range cc.scenarios {
		scRows := make([]clusterRow, len(targets))
		for i := range cc.runs {
			for t, tg := range targets {
				fmt.Fprintf(stderr, "bench-cluster: %s on %s x%d (run %d/%d)\n", sc, tg.name, cc.instances, i+1, cc.runs)
				r, err := clusterOnce(ctx, cc, admin, nginx, sc, tg, uint64(i+1), log)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", sc, tg.name, err)
				}
				scRows[t].Scenario, scRows[t].Target = sc, tg.name
				scRows[t].Runs = append(scRows[t].Runs, r)
			}
		}
		for t := range scRows {
			scRows[t].Median = clusterMedian(scRows[t].Runs)
		}
		rows = append(rows, scRows...)
	}
	if err := printClusterTable(stdout, rows, cc.instances); err != nil {
		return err
	}
	return writeClusterResults(cc, pg, rows)
}

// clusterOnce runs scenario sc once on a fresh cluster of tg.
func clusterOnce(ctx context.Context, cc clusterConfig, admin *pgAdmin, nginx, sc string, tg clusterTarget, seed uint64, log *slog.Logger) (clusterRun, error) {
	dbName := "bench_" + tg.name
	dbURL, err := admin.freshDB(ctx, dbName)
	if err != nil {
		return clusterRun{}, err
	}
	if tg.prepare != nil {
		if err := tg.prepare(ctx, dbURL); err != nil {
			return clusterRun{}, err
		}
	}
	cl := &cluster{db: dbName}
	defer cl.stop()
	pids, addrs, stops, err := tg.start(ctx, dbURL)
	cl.stops = append(cl.stops, stops...)
	if err != nil {
		return clusterRun{}, err
	}
	cl.pids = pids
	front, stopNginx, err := startNginx(ctx, nginx, cc.nginxConf, addrs)
	if err != nil {
		return clusterRun{}, err
	}
	cl.stops = append(cl.stops, stopNginx)
	cl.url = front

	var before pgCounters
	var beforeErr error
	cfg := config{url: cl.url, scenario: sc, opType: cc.opType, duration: cc.duration,
		maxOps: 1 << 40, serverPID: pids[0], morePIDs: pids[1:], seed: seed,
		instanceHeader: instanceHeader, instances: cc.instances,
		onStart: func() { before, beforeErr = admin.counters(ctx, dbName) }}
	run := clusterRun{LoadAvgBefore: loadAvg(), Instances: cc.instances}
	res, err := runEditors(ctx, cfg, log)
	if err != nil {
		return clusterRun{}, err
	}
	if beforeErr != nil {
		return clusterRun{}, beforeErr
	}
	run.result = res
	run.LoadAvgAfter = loadAvg()
	run.InstanceAffinity = placement(sc, cc.instances)
	cl.stop()
	if err := admin.waitIdle(ctx, dbName); err != nil {
		return clusterRun{}, err
	}
	after, err := admin.counters(ctx, dbName)
	if err != nil {
		return clusterRun{}, err
	}
	run.XactCommits = after.XactCommit - before.XactCommit
	run.WriteXacts = after.NextXID - before.NextXID
	run.WalSyncs = after.WalSync - before.WalSync
	run.OpsPerCommit = perUnit(res.Ops, run.XactCommits)
	run.OpsPerWriteXact = perUnit(res.Ops, run.WriteXacts)
	run.OpsPerWalSync = perUnit(res.Ops, run.WalSyncs)
	return run, nil
}

func placement(sc string, n int) string {
	if sc == "hot" {
		return fmt.Sprintf("the 10 editors alternate over the %d instances", n)
	}
	return fmt.Sprintf("editor j of every document on instance j mod %d", n)
}

func perUnit(ops, n int64) float64 {
	if n <= 0 {
		return 0
	}
	return float64(ops) / float64(n)
}

// loadAvg returns the machine's 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// clusterMedian returns the per-metric medians of the runs.
func clusterMedian(runs []clusterRun) clusterRun {
	res := make([]result, len(runs))
	for i, r := range runs {
		res[i] = r.result
	}
	m := runs[0]
	m.result = median(res)
	pick := func(get func(clusterRun) float64) float64 { return medianBy(runs, get) }
	m.CrossP50Ms = pick(func(r clusterRun) float64 { return r.CrossP50Ms })
	m.CrossP99Ms = pick(func(r clusterRun) float64 { return r.CrossP99Ms })
	m.OpsPerCommit = pick(func(r clusterRun) float64 { return r.OpsPerCommit })
	m.OpsPerWriteXact = pick(func(r clusterRun) float64 { return r.OpsPerWriteXact })
	m.OpsPerWalSync = pick(func(r clusterRun) float64 { return r.OpsPerWalSync })
	m.LoadAvgBefore, m.LoadAvgAfter = runs[0].LoadAvgBefore, runs[len(runs)-1].LoadAvgAfter
	return m
}

// clusterMetric is one line of the cluster table.
type clusterMetric struct {
	name string
	get  func(clusterRun) float64
	unit string
}

var clusterMetrics = []clusterMetric{
	{"committed ops/s", func(r clusterRun) float64 { return r.OpsPerSec }, ""},
	{"submit-to-ack p50", func(r clusterRun) float64 { return r.AckP50Ms }, " ms"},
	{"submit-to-ack p99", func(r clusterRun) float64 { return r.AckP99Ms }, " ms"},
	{"delivery p50 (all)", func(r clusterRun) float64 { return r.DeliverP50Ms }, " ms"},
	{"delivery p99 (all)", func(r clusterRun) float64 { return r.DeliverP99Ms }, " ms"},
	{"cross-instance delivery p50", func(r clusterRun) float64 { return r.CrossP50Ms }, " ms"},
	{"cross-instance delivery p99", func(r clusterRun) float64 { return r.CrossP99Ms }, " ms"},
	{"ops per commit (xact_commit)", func(r clusterRun) float64 { return r.OpsPerCommit }, "x"},
	{"ops per write transaction", func(r clusterRun) float64 { return r.OpsPerWriteXact }, "x"},
	{"ops per WAL sync", func(r clusterRun) float64 { return r.OpsPerWalSync }, "x"},
	{"server CPU per op (all instances)", func(r clusterRun) float64 { return r.ServerCPUMicrosPerOp }, " µs"},
	{"loadgen CPU per op", func(r clusterRun) float64 { return r.LoadgenCPUMicrosPerOp }, " µs"},
	{"errors", func(r clusterRun) float64 { return float64(r.Errors) }, ""},
}

// printClusterTable prints each scenario's medians for Weft and the
// reference, their ratio, and whether the targets are met.
func printClusterTable(w io.Writer, rows []clusterRow, instances int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\tmetric\tweft x%d\treference x%d\tweft/ref\t\n", instances, instances)
	med := clusterMedians(rows)
	for _, sc := range []string{"hot", "spread"} {
		wf, ref := med[sc+"/weft"], med[sc+"/reference"]
		if wf.Ops == 0 && ref.Ops == 0 {
			continue // not run
		}
		for _, m := range clusterMetrics {
			a, b := m.get(wf), m.get(ref)
			fa, fb := clusterNum(a, m.unit), clusterNum(b, m.unit)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", sc, m.name, fa, fb, ratio(a, b))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(%d CPUs; medians of the runs; ratios are Weft / reference)\n", runtime.NumCPU())
	for _, t := range clusterTargets(med) {
		fmt.Fprintln(w, t)
	}
	return nil
}

func clusterMedians(rows []clusterRow) map[string]clusterRun {
	m := map[string]clusterRun{}
	for _, r := range rows {
		m[r.Scenario+"/"+r.Target] = r.Median
	}
	return m
}

// clusterTargets states, for each target of the cluster benchmark, the
// measured ratio and whether it is met.
func clusterTargets(med map[string]clusterRun) []string {
	check := func(what string, got float64, ok bool) string {
		v := "missed"
		if ok {
			v = "met"
		}
		return fmt.Sprintf("target %-52s %6.2fx  %s", what+":", got, v)
	}
	q := func(sc string, get func(clusterRun) float64) float64 {
		b := get(med[sc+"/reference"])
		if b == 0 {
			return 0
		}
		return get(med[sc+"/weft"]) / b
	}
	ops := func(r clusterRun) float64 { return r.OpsPerSec }
	p99 := func(r clusterRun) float64 { return r.AckP99Ms }
	hot, spread := q("hot", ops), q("spread", ops)
	hp, sp := q("hot", p99), q("spread", p99)
	return []string{
		check("hot committed ops/s >= 10x the reference", hot, hot >= 10),
		check("spread committed ops/s >= 5x the reference", spread, spread >= 5),
		check("hot submit-to-ack p99 < 1/5 of the reference", hp, hp > 0 && hp < 0.2),
		check("spread submit-to-ack p99 < 1/5 of the reference", sp, sp > 0 && sp < 0.2),
	}
}

func clusterNum(v float64, unit string) string {
	switch unit {
	case "":
		return fmt.Sprintf("%.0f", v)
	case "x":
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.2f%s", v, unit)
}

func writeClusterResults(cc clusterConfig, pg pgSettings, rows []clusterRow) error {
	doc := struct {
		Duration  string       `json:"run_duration"`
		Runs      int          `json:"runs"`
		Instances int          `json:"instances"`
		Type      string       `json:"op_type"`
		CPUs      int          `json:"cpus"`
		Postgres  pgSettings   `json:"postgres"`
		Targets   []string     `json:"targets"`
		Rows      []clusterRow `json:"rows"`
	}{cc.duration.String(), cc.runs, cc.instances, cc.opType, runtime.NumCPU(), pg, clusterTargets(clusterMedians(rows)), rows}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(cc.out, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}
