package cluster

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// readyz returns an instance's /readyz status and decoded body.
func readyz(t *testing.T, n *node) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", n.port))
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("/readyz body %q: %v", b, err)
	}
	return resp.StatusCode, body
}

// waitReadyz polls an instance's /readyz until it answers want.
func waitReadyz(t *testing.T, n *node, want int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := readyz(t, n)
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s /readyz = %d %v, want %d within 30s", n.name, code, body, want)
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}

// metric returns the value of the first line of /metrics starting with
// series.
func metric(t *testing.T, n *node, series string) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", n.port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, series+" ") {
			return strings.TrimPrefix(line, series+" ")
		}
	}
	t.Fatalf("no %s in /metrics", series)
	return ""
}

// TestReadyzFollowsPostgres cuts Postgres (through toxiproxy) from a
// running instance: /readyz turns 503 naming the store and the health
// gauge drops to 0; both recover when Postgres is back. Redis stays up.
func TestReadyzFollowsPostgres(t *testing.T) {
	c := newCluster(t, options{instances: 1})
	n := c.nodes[0]
	body := waitReadyz(t, n, http.StatusOK)
	if body["ready"] != true {
		t.Errorf("ready body %v", body)
	}
	c.pg.Stop()
	body = waitReadyz(t, n, http.StatusServiceUnavailable)
	failing, _ := body["failing"].(map[string]any)
	if failing["store"] == nil || failing["redis"] != nil {
		t.Errorf("/readyz with Postgres cut = %v, want the store named as failing and Redis not", body)
	}
	if v := metric(t, n, `weft_dependency_up{dependency="store"}`); v != "0" {
		t.Errorf("weft_dependency_up{store} = %s with Postgres cut, want 0", v)
	}
	if v := metric(t, n, `weft_dependency_up{dependency="redis"}`); v != "1" {
		t.Errorf("weft_dependency_up{redis} = %s, want 1", v)
	}
	if err := c.pg.Start(); err != nil {
		t.Fatal(err)
	}
	waitReadyz(t, n, http.StatusOK)
	if v := metric(t, n, `weft_dependency_up{dependency="store"}`); v != "1" {
		t.Errorf("weft_dependency_up{store} = %s after Postgres returned, want 1", v)
	}
}
