package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestConformanceSuite runs sharedb's own client test suite
// (conformance/run.sh) against the built server with --test-namespaces.
// The runner fails on any test outside the exclusion lists that fails or
// does not run. It needs Node.js; without it the test skips unless
// WEFT_REQUIRE_ORACLE=1 (as `make test` sets).
func TestConformanceSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("conformance suite: not in -short mode (make test runs it)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("WEFT_REQUIRE_ORACLE") == "1" {
			t.Fatal("conformance suite needs Node.js (>= 20) and npm")
		}
		t.Skip("conformance suite needs Node.js; `make test` runs it")
	}
	p := startBinary(t, t.TempDir(), "--test-namespaces")
	if code, _ := httpGet(t, "http://"+p.addr+"/_test/ns/none/ws"); code != 404 {
		t.Fatalf("GET unknown namespace: %d, want 404", code)
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "conformance", "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "CONFORMANCE_URL=http://"+p.addr, "CONFORMANCE_SERVER=weft")
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	summary := strings.Join(lines[max(0, len(lines)-8):], "\n")
	if err != nil {
		t.Fatalf("conformance run against Weft failed: %v\n%s", err, out)
	}
	if !strings.Contains(summary, "0 failed") {
		t.Fatalf("conformance summary does not report 0 failed:\n%s", summary)
	}
	t.Logf("conformance against Weft:\n%s", summary)
}

// TestTestNamespacesOffByDefault checks that the control protocol is not
// served without --test-namespaces.
func TestTestNamespacesOffByDefault(t *testing.T) {
	p := startBinary(t, t.TempDir())
	for _, path := range []string{"/_test/ns", "/_test/ns/ns1/ws", "/_test/ns/ns1/projections"} {
		resp, err := http.Post("http://"+p.addr+path, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s without the switch: %d, want 404", path, resp.StatusCode)
		}
		if code, _ := httpGet(t, "http://"+p.addr+path); code != http.StatusNotFound {
			t.Errorf("GET %s without the switch: %d, want 404", path, code)
		}
	}
}
