package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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
