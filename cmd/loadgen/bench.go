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
	"net/http"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/weftdev/weft/internal/client/refserver"
)

// benchConfig is the command line of `loadgen bench`.
type benchConfig struct {
	weftBin  string
	out      string
	duration time.Duration
	runs     int
	conns    int
	opType   string
}

// target is one server the bench measures.
type target struct {
	name  string
	start func() (*runningServer, error)
}

// runningServer is a started server: its URL, process id and stop.
type runningServer struct {
	url  string
	pid  int
	stop func()
}

// benchRow is the figures of one scenario on one target (the median over
// the runs for hot and spread).
type benchRow struct {
	Scenario string   `json:"scenario"`
	Target   string   `json:"target"`
	Runs     []result `json:"runs"`
	Median   result   `json:"median"`
}

func parseBenchFlags(args []string, stderr io.Writer) (benchConfig, error) {
	var c benchConfig
	fs := flag.NewFlagSet("loadgen bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.weftBin, "weft-bin", "", "the built Weft server binary (go build ./cmd/server); required")
	fs.StringVar(&c.out, "out", "bench-results.json", "file to write the machine-readable results to")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "run time of each hot and spread run")
	fs.IntVar(&c.runs, "runs", 3, "runs of hot and spread per target (the median is reported)")
	fs.IntVar(&c.conns, "conns", 10_000, "connections of the idle scenario")
	fs.StringVar(&c.opType, "type", "text-unicode", "op type of hot and spread: text-unicode or json0")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.weftBin == "" || c.runs < 1 || c.duration <= 0 {
		return c, errors.New("bench needs --weft-bin, --runs >= 1 and --duration > 0")
	}
	return c, nil
}

// runBench runs every scenario against Weft (memory store, embedded store)
// and the reference ShareDB server, each run on a fresh server, scenario by
// scenario with the targets interleaved so that drift in the machine's load
// affects them alike. It prints the table and writes the results file.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	bc, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	refDir, err := benchPrepare(stderr)
	if err != nil {
		return err
	}
	targets := []target{
		{"weft-memory", func() (*runningServer, error) { return startWeft(ctx, bc.weftBin, "memory") }},
		{"weft-embedded", func() (*runningServer, error) { return startWeft(ctx, bc.weftBin, "embedded") }},
		{"reference", func() (*runningServer, error) { return startRef(refDir) }},
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var rows []benchRow
	for _, sc := range []string{"hot", "spread", "idle"} {
		scRows, err := benchScenario(ctx, bc, sc, targets, log, stderr)
		if err != nil {
			return err
		}
		rows = append(rows, scRows...)
	}
	if err := printBenchTable(stdout, rows); err != nil {
		return err
	}
	return writeBenchResults(bc, rows)
}

// benchPrepare readies the machine for a benchmark (a file limit for
// many connections) and finds the reference server's directory.
func benchPrepare(stderr io.Writer) (refDir string, err error) {
	if err := raiseFileLimit(); err != nil {
		fmt.Fprintln(stderr, "loadgen: raising the fd limit:", err)
	}
	if refDir, err = refserver.Dir(); err != nil {
		return "", fmt.Errorf("reference server: %w", err)
	}
	return refDir, nil
}

// benchScenario runs scenario sc on every target, run by run with the
// targets in turn, each run on a fresh server.
func benchScenario(ctx context.Context, bc benchConfig, sc string, targets []target, log *slog.Logger, stderr io.Writer) ([]benchRow, error) {
	rows := make([]benchRow, len(targets))
	runs := bc.runs
	if sc == "idle" {
		runs = 1
	}
	for i := range runs {
		for t, tg := range targets {
			fmt.Fprintf(stderr, "bench: %s on %s (run %d/%d)\n", sc, tg.name, i+1, runs)
			res, err := benchRun(ctx, bc, sc, tg, uint64(i+1), log)
			if err != nil {
				return nil, fmt.Errorf("%s on %s: %w", sc, tg.name, err)
			}
			rows[t].Scenario, rows[t].Target = sc, tg.name
			rows[t].Runs = append(rows[t].Runs, res)
		}
	}
	for t := range rows {
		rows[t].Median = median(rows[t].Runs)
	}
	return rows, nil
}

// benchRun starts a fresh server of tg, runs sc against it and stops it.
func benchRun(ctx context.Context, bc benchConfig, sc string, tg target, seed uint64, log *slog.Logger) (result, error) {
	srv, err := tg.start()
	if err != nil {
		return result{}, err
	}
	defer srv.stop()
	cfg := config{url: srv.url, scenario: sc, opType: bc.opType, duration: bc.duration,
		maxOps: 1 << 40, conns: bc.conns, serverPID: srv.pid, seed: seed}
	if sc == "idle" {
		return runIdle(ctx, cfg, log)
	}
	return runEditors(ctx, cfg, log)
}

// median returns the runs' per-metric medians (the first run's other
// fields).
func median(runs []result) result {
	m := runs[0]
	pick := func(get func(result) float64) float64 { return medianBy(runs, get) }
	m.OpsPerSec = pick(func(r result) float64 { return r.OpsPerSec })
	m.AckP50Ms = pick(func(r result) float64 { return r.AckP50Ms })
	m.AckP99Ms = pick(func(r result) float64 { return r.AckP99Ms })
	m.DeliverP50Ms = pick(func(r result) float64 { return r.DeliverP50Ms })
	m.DeliverP99Ms = pick(func(r result) float64 { return r.DeliverP99Ms })
	m.BytesPerConn = pick(func(r result) float64 { return r.BytesPerConn })
	m.ServerCPUMicrosPerOp = pick(func(r result) float64 { return r.ServerCPUMicrosPerOp })
	m.LoadgenCPUMicrosPerOp = pick(func(r result) float64 { return r.LoadgenCPUMicrosPerOp })
	m.ServerReadCallsPerOp = pick(func(r result) float64 { return r.ServerReadCallsPerOp })
	m.ServerWriteCallsPerOp = pick(func(r result) float64 { return r.ServerWriteCallsPerOp })
	var errs int64
	for _, r := range runs {
		errs += r.Errors
	}
	m.Errors = errs
	return m
}

// medianOf returns the median of v (the upper one of an even count),
// sorting v.
// medianBy is the median of get over the runs.
func medianBy[T any](runs []T, get func(T) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = get(r)
	}
	return medianOf(v)
}

func medianOf(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

// startWeft starts the Weft binary on a free loopback port with the given
// store (embedded in a fresh temporary directory) and waits for /healthz.
func startWeft(ctx context.Context, bin, store string) (*runningServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "weft-bench-")
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// The load generator's closed-loop editors submit far faster than
	// people type, all from one address: the abuse limits are off so that
	// the run measures throughput, not the limits.
	cmd := exec.Command(bin, "--addr", addr, "--store", store, "--data-dir", dir, "--log-level", "error",
		"--max-connections", "0", "--max-connections-per-ip", "0", "--op-rate", "0", "--presence-rate", "0")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	if err := waitHealthy(ctx, "http://"+addr+"/healthz"); err != nil {
		stop()
		return nil, err
	}
	return &runningServer{url: "ws://" + addr + "/ws", pid: cmd.Process.Pid, stop: stop}, nil
}

func startRef(dir string) (*runningServer, error) {
	s, err := refserver.Run(dir, 0)
	if err != nil {
		return nil, err
	}
	return &runningServer{url: s.URL, pid: s.PID, stop: s.Stop}, nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHealthy polls url for up to 20 s until it answers 200.
func waitHealthy(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server at %s did not become healthy: %w", url, ctx.Err())
		case <-tick.C:
		}
	}
}

func writeBenchResults(bc benchConfig, rows []benchRow) error {
	doc := struct {
		Duration string     `json:"run_duration"`
		Runs     int        `json:"runs"`
		Type     string     `json:"op_type"`
		CPUs     int        `json:"cpus"`
		Rows     []benchRow `json:"rows"`
	}{bc.duration.String(), bc.runs, bc.opType, numCPU(), rows}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(bc.out, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}
