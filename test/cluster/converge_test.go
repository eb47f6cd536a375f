package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestConvergenceAcrossInstances: Go clients and real sharedb npm clients,
// spread by nginx over three instances, edit a few hot and many cold
// documents at once; every client and a fresh fetch agree, versions are
// dense, and no (src, seq) appears twice in the op log.
func TestConvergenceAcrossInstances(t *testing.T) {
	c := newCluster(t, options{})
	cfg := loadConfig{clients: 6, opsEach: 30, hot: 3, cold: 24, coldEach: 6, seed: 1}
	l := startLoad(t, c, cfg)
	const nodeOps = 25
	var editors []*nodeEditor
	for i := range 3 {
		docs := append(cfg.allDocs()[:cfg.hot], docName("cold", i), docName("cold", cfg.cold-1-i))
		editors = append(editors, startNodeEditor(t, c.frontURL, fmt.Sprintf("n%d", i), docs, nodeOps))
	}
	var nodeAcks []ack
	for _, e := range editors {
		nodeAcks = append(nodeAcks, e.acks(t)...)
	}
	f := l.verify(c, "convergence", time.Now(), nodeAcks...)
	want := cfg.clients*cfg.opsEach + len(editors)*nodeOps
	if f.failed != 0 || f.acked != want {
		t.Errorf("acked %d of %d ops, %d submits failed: %q", f.acked, want, f.failed, l.errs())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	heads := map[string]int64{}
	for id, rows := range c.opLog(ctx) {
		heads[id] = int64(len(rows))
	}
	fresh := c.finals(ctx, cfg.allDocs())
	for _, e := range editors {
		for id, text := range e.finals(t, heads) {
			if text != fresh[id] {
				t.Errorf("%s's %s = %.80q, fresh fetch = %.80q", e.name, id, text, fresh[id])
			}
		}
	}
	// nginx logs a WebSocket when it closes.
	for _, g := range l.clients {
		g.conn.Close()
	}
	deadline := time.Now().Add(20 * time.Second)
	for c.upstreamsUsed() < len(c.nodes) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	if n := c.upstreamsUsed(); n != len(c.nodes) {
		t.Errorf("nginx spread WebSockets over %d instances, want all %d", n, len(c.nodes))
	}
}
