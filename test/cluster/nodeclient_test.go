package cluster

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeEditor is testdata/editor.js: a real sharedb npm client editing
// through nginx.
type nodeEditor struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan nodeLine
	done  chan error
}

// nodeLine is one line editor.js prints.
type nodeLine struct {
	Ack *struct {
		Doc, Token, Src string
		Seq             int64
	} `json:"ack"`
	Done  bool `json:"done"`
	Final map[string]struct {
		V    int64  `json:"v"`
		Data string `json:"data"`
	} `json:"final"`
	Error string `json:"error"`
}

// startNodeEditor runs editor.js on docs with ops inserts.
func startNodeEditor(t *testing.T, url, name string, docs []string, ops int) *nodeEditor {
	t.Helper()
	cmd := nodeCommand(t)
	cmd.Env = append(cmd.Env, "WEFT_URL="+url, "WEFT_COLLECTION="+collection,
		"WEFT_DOCS="+strings.Join(docs, ","), fmt.Sprintf("WEFT_OPS=%d", ops), "WEFT_NAME="+name)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start editor.js: %v", err)
	}
	e := &nodeEditor{name: name, cmd: cmd, stdin: stdin, lines: make(chan nodeLine, 1024), done: make(chan error, 1)}
	go e.read(stdout)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-e.done
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("%s stderr:\n%s", name, tail(stderr.String(), 4000))
		}
	})
	return e
}

// nodeCommand is `node testdata/editor.js` with NODE_PATH at the sharedb
// packages `make deps-node` installs in tools/sharedb-ref.
func nodeCommand(t *testing.T) *exec.Cmd {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: the cluster tests drive the sharedb npm client (Debian: apt-get install nodejs npm)")
	}
	modules, err := filepath.Abs(filepath.Join("..", "..", "tools", "sharedb-ref", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(modules, "sharedb")); err != nil {
		t.Fatalf("sharedb npm package missing in %s: run `make deps-node`", modules)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "editor.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	return cmd
}

// read parses the editor's output lines until it exits.
func (e *nodeEditor) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var l nodeLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			l.Error = fmt.Sprintf("unparseable line %q", sc.Text())
		}
		e.lines <- l
	}
	close(e.lines)
	e.done <- e.cmd.Wait()
}

// next returns the editor's next line, failing the test on an error line,
// an early exit or a timeout.
func (e *nodeEditor) next(t *testing.T) nodeLine {
	t.Helper()
	select {
	case l, ok := <-e.lines:
		if !ok {
			t.Fatalf("%s exited early", e.name)
		}
		if l.Error != "" {
			t.Fatalf("%s: %s", e.name, l.Error)
		}
		return l
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: no output for 2 minutes", e.name)
	}
	return nodeLine{}
}

// acks collects the editor's acknowledged ops until it reports done.
func (e *nodeEditor) acks(t *testing.T) []ack {
	t.Helper()
	var out []ack
	for {
		l := e.next(t)
		if l.Done {
			return out
		}
		if l.Ack != nil {
			out = append(out, ack{doc: l.Ack.Doc, src: l.Ack.Src, seq: l.Ack.Seq, token: l.Ack.Token})
		}
	}
}

// finals hands the editor the heads and returns its documents' texts once
// it has reached them.
func (e *nodeEditor) finals(t *testing.T, heads map[string]int64) map[string]string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"heads": heads})
	if _, err := e.stdin.Write(append(b, '\n')); err != nil {
		t.Fatalf("%s: write heads: %v", e.name, err)
	}
	l := e.next(t)
	out := map[string]string{}
	for id, f := range l.Final {
		if f.V != heads[id] {
			t.Errorf("%s: %s at v%d, want v%d", e.name, id, f.V, heads[id])
		}
		out[id] = f.Data
	}
	return out
}
