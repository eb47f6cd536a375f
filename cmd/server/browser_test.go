package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumPath returns the Chromium the editor suite drives: $CHROMIUM,
// else /usr/bin/chromium, else chromium on PATH; "" if there is none.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// needBrowserSuite skips (or, under WEFT_REQUIRE_ORACLE=1 as `make test`
// sets, fails) when what the editor suite needs is missing.
func needBrowserSuite(t *testing.T, editorDir string) string {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("WEFT_REQUIRE_ORACLE") != "" {
			t.Fatalf("the editor suite needs %s", what)
		}
		t.Skipf("the editor suite needs %s; run `make test`", what)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("Node.js (Debian: apt-get install nodejs npm)")
	}
	chromium := chromiumPath()
	if chromium == "" {
		missing("Chromium (Debian package chromium: apt-get install -y chromium)")
	}
	if _, err := os.Stat(filepath.Join(editorDir, "node_modules", "playwright-core")); err != nil {
		missing("web/editor/node_modules (npm ci in web/editor)")
	}
	return chromium
}

var checksRE = regexp.MustCompile(`(?m)^checks: (\d+) passed, (\d+) failed$`)

// TestEditorInChromium drives the browser editor served by the built
// server in headless Chromium (web/editor/test/e2e.mjs with WEFT_URL): two
// people typing interleaved text in rich and plain text documents, remote
// cursors, offline edits arriving once, a server outage (through a proxy
// that cuts every connection), history, exports, and the README's
// screenshots, written to docs/screenshots.
func TestEditorInChromium(t *testing.T) {
	editorDir, err := filepath.Abs("../../web/editor")
	if err != nil {
		t.Fatal(err)
	}
	chromium := needBrowserSuite(t, editorDir)
	docsShots, err := filepath.Abs("../../docs/screenshots")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p := startBinary(t, t.TempDir())
	proxy := startOutageProxy(t, p.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "test/e2e.mjs", t.TempDir())
	cmd.Dir = editorDir
	cmd.Env = append(os.Environ(), "WEFT_URL=http://"+proxy.addr, "WEFT_OUTAGE_URL="+proxy.control,
		"CHROMIUM="+chromium, "WEFT_DOCS_SCREENSHOTS="+docsShots)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	m := checksRE.FindStringSubmatch(out.String())
	if m != nil {
		t.Logf("editor suite: %s passed, %s failed in %s", m[1], m[2], time.Since(start).Round(time.Second))
	}
	if runErr != nil || m == nil || m[2] != "0" {
		t.Fatalf("editor suite failed (%v):\n%s", runErr, out.String())
	}
	if strings.Contains(out.String(), "\nFAIL ") || strings.HasPrefix(out.String(), "FAIL ") {
		t.Fatalf("editor suite reported a failed check:\n%s", out.String())
	}
	if strings.Contains(out.String(), "skip server outage") {
		t.Fatalf("editor suite skipped the outage checks:\n%s", out.String())
	}
	for _, name := range []string{"home.png", "editing-session.png"} {
		b, err := os.ReadFile(filepath.Join(docsShots, name))
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			continue
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 10000 {
			t.Errorf("screenshot %s is not a plausible PNG (%d bytes)", name, len(b))
		}
		if fi, err := os.Stat(filepath.Join(docsShots, name)); err == nil && fi.ModTime().Before(start) {
			t.Errorf("screenshot %s was not rewritten by this run", name)
		}
	}
}
