package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// nginxPath finds Debian's nginx, installing the package when it is
// missing and the test runs as root.
func nginxPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Geteuid() != 0 {
		t.Fatal("nginx is not installed: install the Debian package nginx (apt-get install -y nginx)")
	}
	out, err := exec.Command("apt-get", "install", "-y", "-q", "nginx").CombinedOutput()
	if err != nil {
		out2, err2 := exec.Command("sh", "-c", "apt-get update -q && apt-get install -y -q nginx").CombinedOutput()
		if err2 != nil {
			t.Fatalf("apt-get install -y nginx: %v\n%s\n%s", err2, out, out2)
		}
	}
	path, err := exec.LookPath("/usr/sbin/nginx")
	if err != nil {
		t.Fatalf("nginx still missing after apt-get install nginx: %v", err)
	}
	return path
}

// renderNginx fills deploy/nginx.conf's placeholders.
func renderNginx(t *testing.T, upstreams []string, listen string) string {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "deploy", "nginx.conf"))
	if err != nil {
		t.Fatalf("read the nginx template: %v", err)
	}
	var ups strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&ups, "\t\tserver %s max_fails=1 fail_timeout=2s;\n", u)
	}
	s := string(tmpl)
	for _, ph := range []string{"@UPSTREAMS@", "@LISTEN@"} {
		if !strings.Contains(s, ph) {
			t.Fatalf("deploy/nginx.conf lacks the placeholder %s", ph)
		}
	}
	s = strings.Replace(s, "@UPSTREAMS@\n", ups.String(), 1)
	return strings.ReplaceAll(s, "@LISTEN@", listen)
}

// startNginx runs nginx in the foreground with a temporary prefix in front
// of the cluster's instances, stopped at cleanup.
func (c *cluster) startNginx() {
	t := c.t
	t.Helper()
	bin := nginxPath(t)
	var ups []string
	for _, n := range c.nodes {
		ups = append(ups, fmt.Sprintf("127.0.0.1:%d", n.port))
	}
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	prefix := prefixDir(t)
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, []byte(renderNginx(t, ups, listen)), 0o644); err != nil {
		t.Fatal(err)
	}
	global := "daemon off;"
	if os.Geteuid() == 0 {
		global += " user root;" // workers write to the test's temp prefix
	}
	runNginx(t, exec.Command(bin, "-p", prefix+"/", "-c", conf, "-e", filepath.Join(prefix, "logs", "error.log"), "-g", global), prefix)
	waitTCP(t, listen, 30*time.Second)
	c.nginxPrefix = prefix
	c.frontURL = "ws://" + listen + "/ws"
	c.httpURL = "http://" + listen
}

// runNginx starts cmd and stops it at cleanup, logging its output and
// error log if the test failed.
func runNginx(t *testing.T, cmd *exec.Cmd, prefix string) {
	t.Helper()
	var out strings.Builder
	var mu sync.Mutex
	cmd.Stdout, cmd.Stderr = &lockedWriter{&mu, &out}, &lockedWriter{&mu, &out}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		// SIGTERM: the master stops its workers too (SIGKILL would
		// leave them running).
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("nginx did not exit after SIGTERM")
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
			mu.Lock()
			t.Logf("nginx output:\n%s\nnginx error log (tail):\n%s", out.String(), tail(string(b), 4000))
			mu.Unlock()
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// upstreamsUsed counts the distinct instances nginx's access log shows
// serving WebSocket upgrades (status 101).
func (c *cluster) upstreamsUsed() int {
	b, err := os.ReadFile(filepath.Join(c.nginxPrefix, "logs", "access.log"))
	if err != nil {
		c.t.Fatalf("read nginx access log: %v", err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.Index(line, "upstream="); i >= 0 && strings.Contains(line, "\" 101 ") {
			seen[line[i+len("upstream="):]] = true
		}
	}
	return len(seen)
}
