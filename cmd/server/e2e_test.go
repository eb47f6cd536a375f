package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/ot/types"
)

// buildBinary builds cmd/server once per test binary, as `go build` from
// the checkout would.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "weft-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "weft")
		out, err := exec.Command("go", "build", "-race", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// proc is a running server binary.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *strings.Builder
	mu   *sync.Mutex
	done chan error
}

var listenRE = regexp.MustCompile(`msg="Weft listening" addr=(\S+)`)

// startBinary runs the server binary with args and waits for it to log its
// address. It is killed at cleanup if still running.
func startBinary(t *testing.T, dataDir string, args ...string) *proc {
	t.Helper()
	args = append([]string{"--addr", "127.0.0.1:0", "--data-dir", dataDir}, args...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "WEFT_LOG_FORMAT=text")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listenRE.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("server logs:\n%s", p.log())
		}
		p.done <- nil // let later waits return
	})
	select {
	case p.addr = <-addrc:
	case err := <-p.done:
		t.Fatalf("server exited before listening: %v\n%s", err, p.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not report its address\n%s", p.log())
	}
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("server exited with %v after SIGTERM\n%s", err, p.log())
		}
		p.done <- nil
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not exit after SIGTERM\n%s", p.log())
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	code, _, body := httpGetWith(t, http.DefaultClient, url)
	return code, body
}

// httpGetWith GETs url with c and returns the status, headers and body.
func httpGetWith(t *testing.T, c *http.Client, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestBinaryServesPageAPIAndProtocol runs the built server as the README
// says and checks its three faces and a clean SIGTERM drain.
func TestBinaryServesPageAPIAndProtocol(t *testing.T) {
	p := startBinary(t, t.TempDir())
	base := "http://" + p.addr
	if code, body := httpGet(t, base+"/"); code != 200 || !strings.Contains(body, "<html") {
		t.Errorf("GET / = %d %.80q", code, body)
	}
	if code, body := httpGet(t, base+"/d/docs/abc"); code != 200 || !strings.Contains(body, "<html") {
		t.Errorf("GET /d/docs/abc = %d %.80q", code, body)
	}
	if code, _ := httpGet(t, base+"/assets/missing.js"); code != 404 {
		t.Errorf("GET /assets/missing.js = %d, want 404", code)
	}
	if code, body := httpGet(t, base+"/api/v1/docs/notes/none"); code != 404 || !strings.Contains(body, "ERR_DOC_DOES_NOT_EXIST") {
		t.Errorf("GET missing doc = %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, path := range []string{"/", "/ws"} {
		c, err := client.Dial(ctx, "ws://"+p.addr+path, client.Options{Registry: types.Registry()})
		if err != nil {
			t.Fatalf("dial %s: %v", path, err)
		}
		doc := c.Get("notes", "e2e"+strings.TrimPrefix(path, "/"))
		if err := doc.Create(ctx, "text-unicode", "héllo 😀"); err != nil {
			t.Fatalf("create over %s: %v", path, err)
		}
		c.Close()
	}
	code, body := httpGet(t, base+"/api/v1/docs/notes/e2e?format=text")
	if code != 200 || body != "héllo 😀" {
		t.Errorf("REST text export = %d %q", code, body)
	}
	p.stop(t)
	if !strings.Contains(p.log(), "stopped cleanly") {
		t.Errorf("no clean-stop log line:\n%s", p.log())
	}
}

// TestRestartKeepsAcknowledgedOps submits ops, stops the server with
// SIGTERM mid-session, restarts it on the same data directory and checks
// that every acknowledged op is there.
func TestRestartKeepsAcknowledgedOps(t *testing.T) {
	dir := t.TempDir()
	p := startBinary(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, doc := createText(ctx, t, p.addr, "notes", "durable")
	want := appendNumbered(ctx, t, doc, 50, "%d😀,")
	c.Close()
	p.stop(t)

	p2 := startBinary(t, dir)
	code, body := httpGet(t, "http://"+p2.addr+"/api/v1/docs/notes/durable?format=text")
	if code != 200 || body != want {
		t.Fatalf("after restart: %d %q, want %q", code, body, want)
	}
	code, body = httpGet(t, "http://"+p2.addr+"/api/v1/docs/notes/durable")
	if code != 200 || !strings.Contains(body, `"v":51`) {
		t.Errorf("after restart snapshot = %d %s, want v 51", code, body)
	}
}

// TestKilledServerKeepsAcknowledgedOps submits ops, kills the server with
// SIGKILL right after the last ack (before the embedded store's index has
// caught up with its commit log), restarts it on the same data directory
// and checks that every acknowledged op is there and the document takes
// more.
func TestKilledServerKeepsAcknowledgedOps(t *testing.T) {
	dir := t.TempDir()
	p := startBinary(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, doc := createText(ctx, t, p.addr, "notes", "killed")
	want := appendNumbered(ctx, t, doc, 40, "%d€,")
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	p.done <- nil
	c.Close()

	p2 := startBinary(t, dir)
	base := "http://" + p2.addr + "/api/v1/docs/notes/killed"
	if code, body := httpGet(t, base+"?format=text"); code != 200 || body != want {
		t.Fatalf("after SIGKILL and restart: %d %q, want %q", code, body, want)
	}
	c2, err := client.Dial(ctx, "ws://"+p2.addr+"/ws", client.Options{Registry: types.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	doc2 := c2.Get("notes", "killed")
	if err := doc2.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if err := doc2.Submit(ctx, []any{"!"}); err != nil {
		t.Fatalf("submit after restart: %v", err)
	}
	if code, body := httpGet(t, base); code != 200 || !strings.Contains(body, `"v":42`) {
		t.Errorf("after one more op: %d %s, want v 42", code, body)
	}
}

// TestSecondInstanceOnEmbeddedStoreRefused checks that two instances cannot
// share one embedded store.
func TestSecondInstanceOnEmbeddedStoreRefused(t *testing.T) {
	dir := t.TempDir()
	startBinary(t, dir)
	out, err := exec.Command(binary(t), "--addr", "127.0.0.1:0", "--data-dir", dir).CombinedOutput()
	if err == nil {
		t.Fatalf("second instance started on the same embedded store:\n%s", out)
	}
	if !strings.Contains(string(out), "in use by another process") || !strings.Contains(string(out), "Postgres") {
		t.Errorf("refusal does not explain itself:\n%s", out)
	}
}

// TestSharedbClientSuite runs the real npm sharedb client suite
// (test/sharedb-client) against the built server.
func TestSharedbClientSuite(t *testing.T) {
	suite := sharedbSuiteDir(t)
	p := startBinary(t, t.TempDir())
	cmd := exec.Command(filepath.Join(suite, "run.sh"))
	cmd.Dir = suite
	cmd.Env = append(os.Environ(), "SHAREDB_URL=ws://"+p.addr+"/", "SHAREDB_MAX_MESSAGE_BYTES=1048576")
	runNodeSuite(t, "sharedb client suite", cmd)
}

// sharedbSuiteDir is test/sharedb-client, ready to run: without Node or
// its node_modules the test skips under plain `go test` and fails under
// `make test` (WEFT_REQUIRE_ORACLE).
func sharedbSuiteDir(t *testing.T) string {
	t.Helper()
	suite, err := filepath.Abs("../../test/sharedb-client")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("WEFT_REQUIRE_ORACLE") != "" {
			t.Fatal("the sharedb client suite needs Node.js and npm")
		}
		t.Skip("the sharedb client suite needs Node.js; run `make test`")
	}
	if _, err := os.Stat(filepath.Join(suite, "node_modules", "sharedb")); err != nil {
		if os.Getenv("WEFT_REQUIRE_ORACLE") != "" {
			t.Fatal("test/sharedb-client has no node_modules (make deps-node)")
		}
		t.Skip("test/sharedb-client has no node_modules; run `make test`")
	}
	return suite
}

// runNodeSuite runs a node --test suite and fails unless it passed tests
// and failed none.
func runNodeSuite(t *testing.T, name string, cmd *exec.Cmd) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	summary := regexp.MustCompile(`(?m)^# (pass|fail) \d+$`).FindAllString(string(out), -1)
	t.Logf("%s: %s", name, strings.Join(summary, ", "))
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", name, err, out)
	}
	if !strings.Contains(string(out), "# fail 0") || strings.Contains(string(out), "# pass 0") {
		t.Fatalf("%s did not report its results:\n%s", name, out)
	}
}

// createText connects a Go client to the server at addr and creates an
// empty text-unicode document.
func createText(ctx context.Context, t *testing.T, addr, coll, id string) (*client.Conn, *client.Doc) {
	t.Helper()
	c, err := client.Dial(ctx, "ws://"+addr+"/ws", client.Options{Registry: types.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	doc := c.Get(coll, id)
	if err := doc.Create(ctx, "text-unicode", ""); err != nil {
		t.Fatal(err)
	}
	return c, doc
}

// appendNumbered appends n pieces fmt.Sprintf(format, i) to a text-unicode
// document, one acknowledged op each, and returns the text they make.
func appendNumbered(ctx context.Context, t *testing.T, doc *client.Doc, n int, format string) string {
	t.Helper()
	var want strings.Builder
	for i := range n {
		s := fmt.Sprintf(format, i)
		op := []any{s}
		if n := len([]rune(want.String())); n > 0 {
			op = []any{float64(n), s}
		}
		if err := doc.Submit(ctx, op); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		want.WriteString(s)
	}
	return want.String()
}
