package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `{"instances":2,"rows":[
{"scenario":"hot","target":"weft","median":{"ops_per_sec":500,"ack_p99_ms":100}},
{"scenario":"hot","target":"reference","median":{"ops_per_sec":100,"ack_p99_ms":700}},
{"scenario":"spread","target":"weft","median":{"ops_per_sec":2000,"ack_p99_ms":400}},
{"scenario":"spread","target":"reference","median":{"ops_per_sec":900,"ack_p99_ms":2500}}]}`

func TestDrawsPNG(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "r.json"), filepath.Join(dir, "c.png")
	if err := os.WriteFile(in, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"--in", in, "--out", out}, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 1000 {
		t.Errorf("output is not a PNG chart (%d bytes)", len(b))
	}
}

func TestRefusesIncompleteResults(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "r.json")
	partial := strings.Replace(sample, `"target":"reference","median":{"ops_per_sec":900`, `"target":"other","median":{"ops_per_sec":900`, 1)
	for name, body := range map[string]string{"missing spread reference": partial, "not JSON": "{"} {
		if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := run([]string{"--in", in, "--out", filepath.Join(dir, "c.png")}, io.Discard); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
