// Package oracle runs the npm reference OT types (tools/otoracle) in Node so
// that Weft's tests can compare the Go types with them call by call, and
// keeps the cases where they differed as regression files that replay
// without Node.
//
// It is test support: nothing outside _test.go files imports it.
package oracle

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// Versions are the exact reference versions the differential tests compare
// against. The oracle refuses to run with anything else installed.
var wantVersions = map[string]string{
	"ot-json0":        "1.1.0",
	"ot-text-unicode": "4.0.0",
	"quill-delta":     "4.2.2",
	"rich-text":       "4.1.0",
	"unicount":        "1.1.0",
}

// RequireEnv names the environment variable that turns a missing Node or
// oracle install from a skip into a failure. make test sets it.
const RequireEnv = "WEFT_REQUIRE_ORACLE"

// Call is one function call on a reference type.
type Call struct {
	Type string `json:"type,omitempty"`
	Fn   string `json:"fn"`
	Args []any  `json:"args"`
}

// Result is what the reference returned for a Call.
type Result struct {
	OK bool `json:"ok"`
	// Undef is true when the function returned undefined.
	Undef bool `json:"undef,omitempty"`
	// Value is the returned value as a JSON tree.
	Value any `json:"result"`
	// Error is set when the call threw.
	Error *JSError `json:"error,omitempty"`
}

// JSError is an exception thrown by the reference.
type JSError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (e *JSError) Error() string { return e.Name + ": " + e.Message }

// Oracle is a running Node oracle process. Its methods are safe for
// concurrent use, but each Run call holds the process for its duration.
type Oracle struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	nextID int64
}

// Start starts the oracle for t and stops it in t.Cleanup. Without Node or
// without the oracle's npm packages it skips t, or fails it when
// WEFT_REQUIRE_ORACLE is set (as make test does).
func Start(t testing.TB) *Oracle {
	t.Helper()
	dir, err := oracleDir()
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "ot-json0"))
	}
	if err == nil {
		_, err = exec.LookPath("node")
	}
	if err != nil {
		msg := fmt.Sprintf("differential tests need Node.js and the reference packages (npm ci in tools/otoracle); run `make test`: %v", err)
		if os.Getenv(RequireEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	o, err := start(dir)
	if err != nil {
		t.Fatalf("start oracle: %v", err)
	}
	t.Cleanup(o.close)
	var got map[string]string
	res := o.Run([]Call{{Type: "meta", Fn: "versions"}})
	if b, err := json.Marshal(res[0].Value); err == nil {
		_ = json.Unmarshal(b, &got)
	}
	for name, v := range wantVersions {
		if got[name] != v {
			t.Fatalf("oracle has %s %q, want %q (run npm ci in tools/otoracle)", name, got[name], v)
		}
	}
	return o
}

func oracleDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "tools", "otoracle"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

func start(dir string) (*Oracle, error) {
	cmd := exec.Command("node", filepath.Join(dir, "oracle.js"))
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &Oracle{cmd: cmd, stdin: stdin, stdout: bufio.NewReaderSize(stdout, 1<<20)}, nil
}

func (o *Oracle) close() {
	o.stdin.Close()
	_ = o.cmd.Wait()
}

// Run sends every call and returns the results in order. Requests are
// written by one goroutine while responses are read, so pipes never
// deadlock. A broken oracle process fails every remaining call with a
// JSError named "OracleFailure".
func (o *Oracle) Run(calls []Call) []Result {
	o.mu.Lock()
	defer o.mu.Unlock()
	first := o.nextID
	o.nextID += int64(len(calls))
	werr := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(o.stdin, 1<<20)
		var buf []byte
		for i, c := range calls {
			buf = buf[:0]
			buf = fmt.Appendf(buf, `{"id":%d,"type":`, first+int64(i))
			buf = ot.AppendString(buf, c.Type)
			buf = append(buf, `,"fn":`...)
			buf = ot.AppendString(buf, c.Fn)
			buf = append(buf, `,"args":`...)
			args := c.Args
			if args == nil {
				args = []any{}
			}
			var err error
			if buf, err = ot.AppendJSON(buf, args); err != nil {
				werr <- err
				return
			}
			buf = append(buf, '}', '\n')
			if _, err := w.Write(buf); err != nil {
				werr <- err
				return
			}
		}
		werr <- w.Flush()
	}()
	out := make([]Result, len(calls))
	for i := range calls {
		line, err := o.stdout.ReadBytes('\n')
		if err != nil {
			for j := i; j < len(out); j++ {
				out[j] = Result{Error: &JSError{Name: "OracleFailure", Message: err.Error()}}
			}
			break
		}
		out[i] = parseResult(line, first+int64(i))
	}
	if err := <-werr; err != nil {
		for i := range out {
			out[i] = Result{Error: &JSError{Name: "OracleFailure", Message: err.Error()}}
		}
	}
	return out
}

func parseResult(line []byte, wantID int64) Result {
	var raw struct {
		ID    int64           `json:"id"`
		OK    bool            `json:"ok"`
		Undef bool            `json:"undef"`
		Value json.RawMessage `json:"result"`
		Error *JSError        `json:"error"`
	}
	if err := json.Unmarshal(line, &raw); err != nil || raw.ID != wantID {
		return Result{Error: &JSError{Name: "OracleFailure", Message: fmt.Sprintf("bad response %q", bytes.TrimSpace(line))}}
	}
	r := Result{OK: raw.OK, Undef: raw.Undef, Error: raw.Error}
	if raw.OK && len(raw.Value) > 0 {
		v, err := ot.Decode(raw.Value)
		if err != nil {
			// The reference produced text Weft cannot hold (a lone
			// surrogate): report it as a distinct failure.
			return Result{Error: &JSError{Name: "OracleLoneSurrogate", Message: err.Error()}}
		}
		r.Value = v
	}
	return r
}

// Canonical returns v's canonical JSON: Marshal's encoding of the tree that
// v encodes to, so object keys are sorted at every level whatever v's Go
// type, -0 is 0, and ±Inf is null.
func Canonical(v any) ([]byte, error) {
	b, err := ot.Marshal(v)
	if err != nil {
		return nil, err
	}
	tree, err := ot.Decode(b)
	if err != nil {
		return nil, err
	}
	return ot.Marshal(tree)
}

// Same reports whether the Go result (got, gotErr) matches the reference's
// result r: both failed, or both succeeded with equal canonical JSON. When
// messages is true, failures must also carry the same message (for errors
// the reference library throws itself, as opposed to JS engine TypeErrors).
// detail describes the difference.
func Same(r Result, got any, gotErr error, messages bool) (ok bool, detail string) {
	switch {
	case !r.OK && gotErr != nil:
		if messages && r.Error != nil && r.Error.Name != "TypeError" && r.Error.Message != gotErr.Error() {
			return false, fmt.Sprintf("error %q, reference threw %q", gotErr.Error(), r.Error.Message)
		}
		return true, ""
	case !r.OK:
		gb, _ := Canonical(got)
		return false, fmt.Sprintf("returned %s, reference threw %v", gb, r.Error)
	case gotErr != nil:
		wb, _ := Canonical(r.Value)
		return false, fmt.Sprintf("error %q, reference returned %s", gotErr.Error(), wb)
	}
	want := r.Value
	if r.Undef {
		want = nil
	}
	gb, err := Canonical(got)
	if err != nil {
		return false, fmt.Sprintf("cannot encode Go result: %v", err)
	}
	wb, _ := Canonical(want)
	if !bytes.Equal(gb, wb) {
		return false, fmt.Sprintf("got %s, want %s", gb, wb)
	}
	return true, ""
}
