package main

import (
	"os"
	"strings"
	"testing"
)

func TestRenderNginxNamesTheInstance(t *testing.T) {
	tmpl, err := os.ReadFile("../../deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := renderNginx(string(tmpl), []string{"127.0.0.1:1001", "127.0.0.1:1002"}, "127.0.0.1:2000")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"server 127.0.0.1:1001 max_fails=1 fail_timeout=2s;",
		"server 127.0.0.1:1002 max_fails=1 fail_timeout=2s;",
		"listen 127.0.0.1:2000;",
		"add_header X-Upstream $upstream_addr always;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("rendered config lacks %q", want)
		}
	}
	for _, line := range strings.Split(conf, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") && strings.Contains(line, "@") {
			t.Errorf("rendered config still has a placeholder: %q", line)
		}
	}
	if _, err := renderNginx("events {}", nil, "x"); err == nil {
		t.Error("a template without placeholders was accepted")
	}
}

func TestClusterURLsMustBeLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"redis://127.0.0.1:6379/0": true, "redis://localhost:1": true, "redis://:pw@127.0.0.1:1/0": true,
		"redis://10.1.1.1:6379": false, "http://127.0.0.1": false, "redis://example.com:6379": false,
	} {
		if err := checkRedisURL(url); (err == nil) != ok {
			t.Errorf("checkRedisURL(%s) = %v, want ok=%v", url, err, ok)
		}
	}
	if _, err := openPGAdmin(t.Context(), "postgres://weft@db.example.com:5432/x"); err == nil {
		t.Error("a Postgres URL off loopback was accepted")
	}
}

func TestClusterTargets(t *testing.T) {
	med := map[string]clusterRun{}
	set := func(sc, tg string, ops, p99 float64) {
		var r clusterRun
		r.OpsPerSec, r.AckP99Ms = ops, p99
		med[sc+"/"+tg] = r
	}
	set("hot", "weft", 1000, 10)
	set("hot", "reference", 100, 100)
	set("spread", "weft", 400, 50)
	set("spread", "reference", 100, 100)
	got := strings.Join(clusterTargets(med), "\n")
	for _, want := range []string{"10.00x  met", "4.00x  missed", "0.10x  met", "0.50x  missed"} {
		if !strings.Contains(got, want) {
			t.Errorf("targets lack %q:\n%s", want, got)
		}
	}
}
