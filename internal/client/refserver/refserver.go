// Package refserver starts tools/sharedb-ref, the reference ShareDB 7
// server, for tests and benchmarks of Weft's ShareDB client.
//
// It is test support: nothing outside tests and cmd/loadgen imports it.
package refserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireEnv turns a missing Node or npm install from a skip into a failure
// (make test sets it).
const RequireEnv = "WEFT_REQUIRE_ORACLE"

// Server is a running reference server.
type Server struct {
	// URL is its WebSocket URL, ws://127.0.0.1:<port>.
	URL string
	// PID is the Node process id.
	PID   int
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// Start starts the reference server for t and stops it in t.Cleanup. It
// skips t when Node or tools/sharedb-ref/node_modules is missing, or fails
// it when WEFT_REQUIRE_ORACLE is set.
func Start(t testing.TB) *Server {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		msg := fmt.Sprintf("the reference ShareDB server needs Node.js and its npm packages; run `make test`: %v", err)
		if os.Getenv(RequireEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s, err := Run(dir, 0)
	if err != nil {
		t.Fatalf("start reference server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Dir returns tools/sharedb-ref, checking that Node and the npm packages
// are installed.
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(wd, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(wd)
		if parent == wd {
			return "", errors.New("go.mod not found")
		}
		wd = parent
	}
	dir := filepath.Join(wd, "tools", "sharedb-ref")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "sharedb")); err != nil {
		return "", fmt.Errorf("npm ci in tools/sharedb-ref: %w", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", err
	}
	return dir, nil
}

// Run starts server.js from dir on port (0 picks one), with extra
// arguments (such as --postgres URL --redis URL), and waits for its
// "listening" line. The server exits when Stop is called or this process's
// end closes its stdin.
func Run(dir string, port int, extra ...string) (*Server, error) {
	args := append([]string{"server.js", "--port", fmt.Sprint(port), "--watch-stdin"}, extra...)
	cmd := exec.Command("node", args...)
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
		return nil, fmt.Errorf("start node: %w", err)
	}
	s := &Server{PID: cmd.Process.Pid, cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	p, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		s.Stop()
		return nil, fmt.Errorf("reference server said %q: %v", line, err)
	}
	s.URL = "ws://127.0.0.1:" + p
	return s, nil
}

// Stop stops the server and waits for it to exit.
func (s *Server) Stop() {
	_ = s.stdin.Close()
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}
