package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/ot/types"
)

// TestMemoryStoreServesButKeepsNothing checks --store memory: documents are
// served, nothing is written to the data directory, and a restart starts
// empty. It also checks that --pprof-addr serves the profiles.
func TestMemoryStoreServesButKeepsNothing(t *testing.T) {
	dir := t.TempDir()
	p := startBinary(t, dir, "--store", "memory", "--pprof-addr", "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+p.addr+"/ws", client.Options{Registry: types.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	doc := c.Get("notes", "volatile")
	if err := doc.Create(ctx, "text-unicode", "hi"); err != nil {
		t.Fatal(err)
	}
	if err := doc.Submit(ctx, []any{2.0, "!"}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if code, body := httpGet(t, "http://"+p.addr+"/api/v1/docs/notes/volatile?format=text"); code != 200 || body != "hi!" {
		t.Errorf("served %d %q, want 200 \"hi!\"", code, body)
	}
	m := regexp.MustCompile(`msg="serving profiles" url=(\S+)`).FindStringSubmatch(p.log())
	if m == nil {
		t.Fatalf("no pprof address logged:\n%s", p.log())
	}
	if code, _ := httpGet(t, m[1]); code != 200 {
		t.Errorf("pprof index: %d, want 200", code)
	}
	p.stop(t)
	if _, err := os.Stat(filepath.Join(dir, "weft.db")); !os.IsNotExist(err) {
		t.Errorf("the memory store wrote %s (stat err %v)", filepath.Join(dir, "weft.db"), err)
	}
	p2 := startBinary(t, dir, "--store", "memory")
	if code, _ := httpGet(t, "http://"+p2.addr+"/api/v1/docs/notes/volatile"); code != 404 {
		t.Errorf("after restart: %d, want 404 (nothing is kept)", code)
	}
}
