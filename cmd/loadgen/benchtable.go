package main

import (
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
)

// metric is one line of the bench table.
type metric struct {
	name string
	get  func(result) float64
	unit string
}

var editorMetrics = []metric{
	{"committed ops/s", func(r result) float64 { return r.OpsPerSec }, ""},
	{"submit-to-ack p50", func(r result) float64 { return r.AckP50Ms }, " ms"},
	{"submit-to-ack p99", func(r result) float64 { return r.AckP99Ms }, " ms"},
	{"submit-to-delivery p50", func(r result) float64 { return r.DeliverP50Ms }, " ms"},
	{"submit-to-delivery p99", func(r result) float64 { return r.DeliverP99Ms }, " ms"},
	{"server CPU per op", func(r result) float64 { return r.ServerCPUMicrosPerOp }, " µs"},
	{"server write calls per op", func(r result) float64 { return r.ServerWriteCallsPerOp }, " calls"},
	{"server read calls per op", func(r result) float64 { return r.ServerReadCallsPerOp }, " calls"},
	{"loadgen CPU per op", func(r result) float64 { return r.LoadgenCPUMicrosPerOp }, " µs"},
	{"errors", func(r result) float64 { return float64(r.Errors) }, ""},
}

var idleMetrics = []metric{
	{"server bytes per idle connection", func(r result) float64 { return r.BytesPerConn }, ""},
}

// printBenchTable prints, per scenario, each metric for every target and
// the ratios of the Weft targets to the reference.
func printBenchTable(w io.Writer, rows []benchRow) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\tmetric\tweft-memory\tweft-embedded\treference\tmemory/ref\tembedded/ref\t\n")
	for _, sc := range []string{"hot", "spread", "idle"} {
		byTarget := map[string]result{}
		for _, r := range rows {
			if r.Scenario == sc {
				byTarget[r.Target] = r.Median
			}
		}
		ms := editorMetrics
		if sc == "idle" {
			ms = idleMetrics
		}
		for _, m := range ms {
			mem, emb, ref := m.get(byTarget["weft-memory"]), m.get(byTarget["weft-embedded"]), m.get(byTarget["reference"])
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", sc, m.name,
				num(mem, m.unit), num(emb, m.unit), num(ref, m.unit), ratio(mem, ref), ratio(emb, ref))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "(%d CPUs; medians of the runs; ratios are Weft / reference: above 1 is better for ops/s, below 1 for latency and memory)\n", runtime.NumCPU())
	return err
}

func num(v float64, unit string) string {
	if unit == "" {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f%s", v, unit)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func numCPU() int { return runtime.NumCPU() }
