package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/client/refserver"
)

func TestCheckLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"ws://127.0.0.1:1/ws": true, "ws://localhost:9": true, "ws://[::1]:9": true,
		"ws://10.0.0.1:9": false, "ws://example.com": false, "http://127.0.0.1": false,
	} {
		if err := checkLoopback(url); (err == nil) != ok {
			t.Errorf("checkLoopback(%s) = %v, want ok=%v", url, err, ok)
		}
	}
}

func TestHotRunAgainstReference(t *testing.T) {
	srv := refserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, []string{"--url", srv.URL, "--scenario", "hot", "--ops", "40", "--duration", "30s", "--json"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var r result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("summary line %q: %v", lines[len(lines)-1], err)
	}
	if r.Ops != 40 || r.Errors != 0 || r.Editors != 10 {
		t.Errorf("ops %d errors %d editors %d, want 40 0 10", r.Ops, r.Errors, r.Editors)
	}
	if r.Deliveries != 9*40 {
		t.Errorf("deliveries = %d, want %d (each op to the 9 other editors)", r.Deliveries, 9*40)
	}
}

func TestIdleRunMeasuresRSS(t *testing.T) {
	srv := refserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	args := []string{"--url", srv.URL, "--scenario", "idle", "--conns", "50", "--server-pid", itoa(srv.PID), "--json"}
	if err := run(ctx, args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var r result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Conns != 50 || r.RSSBeforeKiB <= 0 || r.RSSAfterKiB <= 0 {
		t.Errorf("idle result %+v", r)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestMedianTakesEachMetricsMiddle(t *testing.T) {
	runs := []result{
		{OpsPerSec: 300, AckP99Ms: 9, ServerCPUMicrosPerOp: 50, Errors: 1},
		{OpsPerSec: 100, AckP99Ms: 7, ServerCPUMicrosPerOp: 70},
		{OpsPerSec: 200, AckP99Ms: 8, ServerCPUMicrosPerOp: 60, Errors: 2},
	}
	m := median(runs)
	if m.OpsPerSec != 200 || m.AckP99Ms != 8 || m.ServerCPUMicrosPerOp != 60 || m.Errors != 3 {
		t.Errorf("median = %+v, want ops/s 200, p99 8, cpu 60, errors 3 (summed)", m)
	}
}

func TestBenchTableShowsRatios(t *testing.T) {
	rows := []benchRow{
		{Scenario: "hot", Target: "weft-memory", Median: result{OpsPerSec: 3000}},
		{Scenario: "hot", Target: "weft-embedded", Median: result{OpsPerSec: 1500}},
		{Scenario: "hot", Target: "reference", Median: result{OpsPerSec: 1000}},
		{Scenario: "idle", Target: "weft-memory", Median: result{BytesPerConn: 12000}},
		{Scenario: "idle", Target: "reference", Median: result{BytesPerConn: 24000}},
	}
	var out bytes.Buffer
	if err := printBenchTable(&out, rows); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3.00x", "1.50x", "0.50x"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %s:\n%s", want, out.String())
		}
	}
}

func TestCPUSecondsOfThisProcess(t *testing.T) {
	s, err := cpuSeconds(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s < 0 {
		t.Errorf("cpuSeconds = %v, want >= 0", s)
	}
	if _, err := cpuSeconds(-1); err == nil {
		t.Error("cpuSeconds(-1) succeeded")
	}
}

func TestIOCallsOfThisProcess(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "calls"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, w0, err := ioCalls(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	_, w1, err := ioCalls(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if w1-w0 < 5 {
		t.Errorf("5 writes counted as %d write calls", w1-w0)
	}
	if _, _, err := ioCalls(-1); err == nil {
		t.Error("ioCalls(-1) succeeded")
	}
}

func TestTextInsertStaysInTheDocument(t *testing.T) {
	srv := refserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, []string{"--url", srv.URL, "--scenario", "spread", "--type", "text-unicode", "--ops", "300", "--duration", "30s", "--server-pid", itoa(srv.PID), "--json"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var r result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Ops != 300 || r.Errors != 0 || r.Deliveries != 300 {
		t.Errorf("ops %d errors %d deliveries %d, want 300 0 300", r.Ops, r.Errors, r.Deliveries)
	}
	if r.ServerCPUSeconds <= 0 && r.ServerCPUMicrosPerOp != 0 {
		t.Errorf("cpu per op %v without cpu seconds", r.ServerCPUMicrosPerOp)
	}
}
