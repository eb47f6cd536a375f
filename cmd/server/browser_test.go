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

// editorBrowser is a browser the editor suite (web/editor/test/e2e.mjs)
// runs in: Chromium through the DevTools protocol, Firefox ESR through
// WebDriver BiDi, both driven by puppeteer-core.
type editorBrowser struct {
	name   string // WEFT_BROWSER for e2e.mjs, and the prefix of its "browser:" line
	env    string // environment variable naming the executable
	path   string // where Debian installs it
	pkg    string // the Debian package
	banner string // how e2e.mjs's "browser:" line starts for it
}

var (
	chromiumBrowser = editorBrowser{name: "chromium", env: "CHROMIUM", path: "/usr/bin/chromium", pkg: "chromium", banner: "Chrome/"}
	firefoxBrowser  = editorBrowser{name: "firefox", env: "FIREFOX", path: "/usr/bin/firefox-esr", pkg: "firefox-esr", banner: "firefox/"}
)

// executable returns the browser the suite drives: $env, else the Debian
// path, else the package's command on PATH; "" if there is none.
func (b editorBrowser) executable() string {
	if p := os.Getenv(b.env); p != "" {
		return p
	}
	if _, err := os.Stat(b.path); err == nil {
		return b.path
	}
	p, _ := exec.LookPath(b.pkg)
	return p
}

// needBrowserSuite skips (or, under WEFT_REQUIRE_ORACLE=1 as `make test`
// sets, fails) when what the editor suite needs in browser b is missing,
// and returns b's executable.
func needBrowserSuite(t *testing.T, editorDir string, b editorBrowser) string {
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
	exe := b.executable()
	if exe == "" {
		missing(b.name + " (Debian package " + b.pkg + ": apt-get install -y " + b.pkg + ", or set " + b.env + ")")
	}
	if _, err := os.Stat(filepath.Join(editorDir, "node_modules", "puppeteer-core")); err != nil {
		missing("web/editor/node_modules (npm ci in web/editor)")
	}
	return exe
}

var (
	checksRE  = regexp.MustCompile(`(?m)^checks: (\d+) passed, (\d+) failed$`)
	browserRE = regexp.MustCompile(`(?m)^browser: (\S+)$`)
)

// TestEditorInChromium drives the browser editor served by the built
// server in headless Chromium (web/editor/test/e2e.mjs with WEFT_URL): two
// people typing interleaved text in rich and plain text documents, remote
// cursors, offline edits arriving once, history, a phone-sized screen, a
// server outage (through a proxy that cuts every connection), exports, and
// the README's screenshots, written to docs/screenshots.
func TestEditorInChromium(t *testing.T) {
	docsShots, err := filepath.Abs("../../docs/screenshots")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	shots := t.TempDir()
	runEditorSuite(t, chromiumBrowser, shots, "WEFT_DOCS_SCREENSHOTS="+docsShots)
	checkScreenshots(t, start, docsShots, "home.png", "editing-session.png")
	checkScreenshots(t, start, shots, phoneShots...)
}

// TestEditorInFirefox runs the same suite in headless Firefox ESR (Debian's
// firefox-esr, over WebDriver BiDi), its offline rounds through Firefox's
// own offline mode.
func TestEditorInFirefox(t *testing.T) {
	start := time.Now()
	shots := t.TempDir()
	runEditorSuite(t, firefoxBrowser, shots)
	checkScreenshots(t, start, shots, phoneShots...)
}

// phoneShots are the screenshots e2e.mjs takes on a phone-sized screen.
var phoneShots = []string{"phone-rich.png", "phone-plain.png", "phone-home.png"}

// checkScreenshots checks that dir holds each named PNG, written since start.
func checkScreenshots(t *testing.T, start time.Time, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			continue
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 10000 {
			t.Errorf("screenshot %s is not a plausible PNG (%d bytes)", name, len(b))
		}
		if fi, err := os.Stat(path); err == nil && fi.ModTime().Before(start) {
			t.Errorf("screenshot %s was not rewritten by this run", name)
		}
	}
}

// runEditorSuite starts the built server behind an outage proxy and runs
// web/editor/test/e2e.mjs in browser b against it, writing its screenshots
// to shots, with env added to the script's environment; it fails the test
// unless every check passed.
func runEditorSuite(t *testing.T, b editorBrowser, shots string, env ...string) {
	t.Helper()
	editorDir, err := filepath.Abs("../../web/editor")
	if err != nil {
		t.Fatal(err)
	}
	exe := needBrowserSuite(t, editorDir, b)
	start := time.Now()
	// A page taken offline by the browser's network emulation may never get
	// its close frame out while the browser still answers pings, so the
	// suite also cuts that person's connections at the proxy (driver.mjs
	// setOffline); short pings keep any other missed close well within the
	// suite's 30 s waits.
	p := startBinary(t, t.TempDir(), "--ping-interval", "2s", "--ping-timeout", "5s")
	proxy := startOutageProxy(t, p.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "test/e2e.mjs", shots)
	cmd.Dir = editorDir
	cmd.Env = append(os.Environ(), "WEFT_URL=http://"+proxy.addr, "WEFT_OUTAGE_URL="+proxy.control,
		"WEFT_BROWSER="+b.name, b.env+"="+exe)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	m := checksRE.FindStringSubmatch(out.String())
	if m != nil {
		t.Logf("editor suite in %s: %s passed, %s failed in %s", b.name, m[1], m[2], time.Since(start).Round(time.Second))
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "network cut at the proxy") {
			t.Log(strings.TrimSpace(line))
		}
	}
	if runErr != nil || m == nil || m[2] != "0" {
		t.Fatalf("editor suite in %s failed (%v):\n%s", b.name, runErr, out.String())
	}
	if strings.Contains(out.String(), "\nFAIL ") || strings.HasPrefix(out.String(), "FAIL ") {
		t.Fatalf("editor suite in %s reported a failed check:\n%s", b.name, out.String())
	}
	if strings.Contains(out.String(), "skip server outage") {
		t.Fatalf("editor suite in %s skipped the outage checks:\n%s", b.name, out.String())
	}
	v := browserRE.FindStringSubmatch(out.String())
	if v == nil || !strings.HasPrefix(v[1], b.banner) {
		t.Fatalf("editor suite did not run in %s (browser line %q):\n%s", b.name, v, out.String())
	}
	t.Logf("browser: %s", v[1])
}
