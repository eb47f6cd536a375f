package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/weftdev/weft/internal/client/refserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "bench":
		err = runBench(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "bench-cluster":
		err = runBenchCluster(ctx, os.Args[2:], os.Stdout, os.Stderr)
	default:
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	url       string
	ref       bool
	scenario  string
	opType    string
	duration  time.Duration
	maxOps    int64
	conns     int
	serverPID int
	hold      time.Duration
	cpuProf   string
	json      bool
	seed      uint64
	// morePIDs are further server processes (the other instances of a
	// cluster) whose CPU time counts with serverPID's.
	morePIDs []int
	// instanceHeader names the upgrade response header that says which
	// instance serves a connection (set by the benchmark's nginx), and
	// instances how many there are: editors of one document are then
	// spread over them.
	instanceHeader string
	instances      int
	// onStart, when set, runs once every editor is connected, just before
	// the measured window opens.
	onStart func()
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "", "ShareDB WebSocket URL on loopback, e.g. ws://127.0.0.1:8080/ws")
	fs.BoolVar(&c.ref, "ref", false, "start the reference ShareDB server (tools/sharedb-ref) and target it")
	fs.StringVar(&c.scenario, "scenario", "hot", "hot (1 doc x 10 editors), spread (100 docs x 2 editors) or idle")
	fs.StringVar(&c.opType, "type", "json0", "op type: json0 or text-unicode")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "run time bound for hot and spread")
	fs.Int64Var(&c.maxOps, "ops", 1_000_000, "bound on committed ops for hot and spread")
	fs.IntVar(&c.conns, "conns", 10_000, "connections for the idle scenario")
	fs.IntVar(&c.serverPID, "server-pid", 0, "server process id, for RSS (idle scenario)")
	fs.DurationVar(&c.hold, "hold", 0, "idle scenario: keep the connections open this long after measuring (to take server profiles)")
	fs.StringVar(&c.cpuProf, "cpuprofile", "", "write loadgen's own CPU profile to this file")
	fs.BoolVar(&c.json, "json", false, "also print a one-line JSON summary")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if (c.url == "") == !c.ref {
		return c, errors.New("give exactly one of --url and --ref")
	}
	if c.duration <= 0 || c.duration > time.Hour || c.maxOps <= 0 || c.conns <= 0 || c.conns > 100_000 {
		return c, errors.New("--duration must be in (0, 1h], --ops > 0, --conns in (0, 100000]")
	}
	if c.url != "" {
		if err := checkLoopback(c.url); err != nil {
			return c, err
		}
	}
	return c, nil
}

// checkLoopback refuses targets that are not on this machine.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
		return fmt.Errorf("--url %q must be a ws:// URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--url host %q is not a loopback address", host)
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := raiseFileLimit(); err != nil {
		fmt.Fprintln(stderr, "loadgen: raising the fd limit:", err)
	}
	if cfg.ref {
		dir, err := refserver.Dir()
		if err != nil {
			return fmt.Errorf("--ref: %w", err)
		}
		srv, err := refserver.Run(dir, 0)
		if err != nil {
			return err
		}
		defer srv.Stop()
		cfg.url, cfg.serverPID = srv.URL, srv.PID
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if cfg.cpuProf != "" {
		stop, err := startCPUProfile(cfg.cpuProf)
		if err != nil {
			return err
		}
		defer stop()
	}
	var res result
	if cfg.scenario == "idle" {
		res, err = runIdle(ctx, cfg, log)
	} else {
		res, err = runEditors(ctx, cfg, log)
	}
	if err != nil {
		return err
	}
	return report(stdout, cfg, res)
}

// raiseFileLimit lifts the soft fd limit to the hard one.
func raiseFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	lim.Cur = lim.Max
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// result is one run's figures; zero fields do not apply to the scenario.
type result struct {
	Scenario     string  `json:"scenario"`
	Type         string  `json:"type,omitempty"`
	Docs         int     `json:"docs,omitempty"`
	Editors      int     `json:"editors,omitempty"`
	Seconds      float64 `json:"seconds,omitempty"`
	Ops          int64   `json:"ops,omitempty"`
	OpsPerSec    float64 `json:"ops_per_sec,omitempty"`
	AckP50Ms     float64 `json:"ack_p50_ms,omitempty"`
	AckP99Ms     float64 `json:"ack_p99_ms,omitempty"`
	Deliveries   int     `json:"deliveries,omitempty"`
	DeliverP50Ms float64 `json:"deliver_p50_ms,omitempty"`
	DeliverP99Ms float64 `json:"deliver_p99_ms,omitempty"`
	// Cross* are the deliveries from an editor on one instance to an
	// editor on another (cluster runs).
	CrossDeliveries int     `json:"cross_deliveries,omitempty"`
	CrossP50Ms      float64 `json:"cross_p50_ms,omitempty"`
	CrossP99Ms      float64 `json:"cross_p99_ms,omitempty"`
	Errors          int64   `json:"errors"`
	// ServerCPUSeconds is the server process's CPU time during the run
	// (with --server-pid or --ref), and ServerCPUMicrosPerOp that per
	// committed op: a measure of efficiency that the machine's load
	// disturbs far less than ops/s.
	ServerCPUSeconds     float64 `json:"server_cpu_seconds,omitempty"`
	ServerCPUMicrosPerOp float64 `json:"server_cpu_us_per_op,omitempty"`
	// ServerReadCallsPerOp and ServerWriteCallsPerOp are the server's read
	// and write system calls per committed op (/proc/<pid>/io): how many
	// messages each write carries, and how many reads each message costs.
	ServerReadCallsPerOp  float64 `json:"server_read_calls_per_op,omitempty"`
	ServerWriteCallsPerOp float64 `json:"server_write_calls_per_op,omitempty"`
	// LoadgenCPUMicrosPerOp is loadgen's own CPU time per committed op: on
	// a shared machine it competes with the server for the same cores.
	LoadgenCPUMicrosPerOp float64 `json:"loadgen_cpu_us_per_op,omitempty"`
	Conns                 int     `json:"conns,omitempty"`
	RSSBeforeKiB          int64   `json:"rss_before_kib,omitempty"`
	RSSAfterKiB           int64   `json:"rss_after_kib,omitempty"`
	BytesPerConn          float64 `json:"bytes_per_conn,omitempty"`
	ConnectSecond         float64 `json:"connect_seconds,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func report(w io.Writer, cfg config, r result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "target\t%s\n", cfg.url)
	if r.Scenario == "idle" {
		fmt.Fprintf(tw, "scenario\tidle (%d subscribed connections)\n", r.Conns)
		fmt.Fprintf(tw, "server RSS before / after\t%d / %d KiB\n", r.RSSBeforeKiB, r.RSSAfterKiB)
		fmt.Fprintf(tw, "server memory per idle connection\t%.0f bytes\n", r.BytesPerConn)
		fmt.Fprintf(tw, "time to connect and subscribe\t%.2f s\n", r.ConnectSecond)
	} else {
		fmt.Fprintf(tw, "scenario\t%s (%d docs x %d editors, %s)\n", r.Scenario, r.Docs, r.Editors/r.Docs, r.Type)
		fmt.Fprintf(tw, "committed ops\t%d in %.2f s\n", r.Ops, r.Seconds)
		fmt.Fprintf(tw, "committed ops/s\t%.0f\n", r.OpsPerSec)
		fmt.Fprintf(tw, "submit-to-ack p50 / p99\t%.2f / %.2f ms\n", r.AckP50Ms, r.AckP99Ms)
		fmt.Fprintf(tw, "submit-to-delivery p50 / p99\t%.2f / %.2f ms (%d deliveries)\n", r.DeliverP50Ms, r.DeliverP99Ms, r.Deliveries)
		fmt.Fprintf(tw, "loadgen CPU\t%.0f µs per op\n", r.LoadgenCPUMicrosPerOp)
		if r.ServerCPUSeconds > 0 {
			fmt.Fprintf(tw, "server CPU\t%.2f s, %.0f µs per op\n", r.ServerCPUSeconds, r.ServerCPUMicrosPerOp)
			fmt.Fprintf(tw, "server system calls per op\t%.2f writes, %.2f reads\n", r.ServerWriteCallsPerOp, r.ServerReadCallsPerOp)
		}
	}
	fmt.Fprintf(tw, "errors\t%d\n", r.Errors)
	if err := tw.Flush(); err != nil {
		return err
	}
	if cfg.json {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return nil
}

// startCPUProfile profiles this process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
