package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildOnce builds cmd/server with -race once per test binary.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildOnce.path != "" {
		_ = os.RemoveAll(filepath.Dir(buildOnce.path))
	}
	os.Exit(code)
}

func weftBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "weft-cluster-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "weft")
		cmd := exec.Command("go", "build", "-race", "-o", buildOnce.path, "github.com/weftdev/weft/cmd/server")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildOnce.err = fmt.Errorf("go build -race cmd/server: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// freePort returns a loopback port that was free a moment ago. Instances
// keep their port across restarts, so nginx's upstream list stays valid.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

var listenRE = regexp.MustCompile(`msg="Weft listening" addr=(\S+)`)

// node is one Weft instance; it can be stopped and started again on the
// same port.
type node struct {
	name string
	port int
	args []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	logs strings.Builder
	done chan error // receives the exit of the current process
}

// start runs the instance (bin is the server binary) and waits until it
// logs that it listens.
func (n *node) start(bin string) error {
	args := append([]string{"--addr", fmt.Sprintf("127.0.0.1:%d", n.port)}, n.args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "WEFT_LOG_FORMAT=text")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", n.name, err)
	}
	done := make(chan error, 1)
	listening := make(chan struct{})
	n.mu.Lock()
	n.cmd, n.done = cmd, done
	fmt.Fprintf(&n.logs, "--- %s started, pid %d\n", n.name, cmd.Process.Pid)
	n.mu.Unlock()
	go n.readLogs(cmd, stderr, listening, done)
	select {
	case <-listening:
		return nil
	case err := <-done:
		done <- err
		return fmt.Errorf("%s exited before listening: %v\n%s", n.name, err, n.log())
	case <-time.After(90 * time.Second):
		return fmt.Errorf("%s did not report listening\n%s", n.name, n.log())
	}
}

// readLogs collects the process's log lines, closes listening at the
// listening line and reports the exit on done.
func (n *node) readLogs(cmd *exec.Cmd, stderr io.Reader, listening chan struct{}, done chan error) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	seen := false
	for sc.Scan() {
		n.mu.Lock()
		n.logs.WriteString(sc.Text() + "\n")
		n.mu.Unlock()
		if !seen && listenRE.MatchString(sc.Text()) {
			seen = true
			close(listening)
		}
	}
	done <- cmd.Wait()
}

func (n *node) log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logs.String()
}

func (n *node) current() (*exec.Cmd, chan error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd, n.done
}

// kill sends sig and waits (bounded) for the process to exit, returning
// its exit error.
func (n *node) kill(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	cmd, done := n.current()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("signal %s: %v", n.name, err)
	}
	select {
	case err := <-done:
		n.mu.Lock()
		n.cmd = nil
		n.mu.Unlock()
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not exit after %v\n%s", n.name, sig, n.log())
		return nil
	}
}

// waitTCP polls until addr accepts TCP connections or the deadline passes.
func waitTCP(t *testing.T, addr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not accepting connections after %v: %v", addr, within, err)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}
