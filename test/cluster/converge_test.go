package cluster

import (
	"testing"
	"time"
)

// TestConvergenceAcrossInstances: Go and sharedb npm clients spread by
// nginx over three instances edit a few hot and many cold documents at
// once; everyone converges, the log is dense and nothing is duplicated.
func TestConvergenceAcrossInstances(t *testing.T) {
	c := newCluster(t, options{})
	cfg := loadConfig{clients: 6, opsEach: 30, hot: 3, cold: 24, coldEach: 6, seed: 1}
	l := startLoad(t, c, cfg)
	f := l.verify(c, "convergence", time.Now())
	if f.failed != 0 || f.acked != cfg.clients*cfg.opsEach {
		t.Errorf("acked %d of %d ops, %d submits failed: %q", f.acked, cfg.clients*cfg.opsEach, f.failed, l.errs())
	}
}
