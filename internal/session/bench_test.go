package session

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkSubmit runs 8 clients, each submitting ops to its own document
// and waiting for each ack; ops/s is the server's commit rate. One
// iteration is one acknowledged op.
func BenchmarkSubmit(b *testing.B) {
	e := newEnv(b, func(o *Options) { o.OpRate = -1 })
	const clients = 8
	cs := make([]*simClient, clients)
	for i := range cs {
		c := dial(b, e, "")
		c.send(map[string]any{"a": "op", "c": "b", "d": fmt.Sprint(i), "seq": 1, "create": map[string]any{"type": "test-counter", "data": 0}})
		c.read()
		cs[i] = &simClient{ws: c.ws, version: 1, seq: 1}
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, s := range cs {
		n := b.N / clients
		if i < b.N%clients {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				s.seq++
				if err := s.write(map[string]any{"a": "op", "c": "b", "d": fmt.Sprint(i), "v": s.version, "seq": s.seq, "op": 1}); err != nil {
					b.Error(err)
					return
				}
				m, err := s.readMsg()
				if err != nil || m["error"] != nil || m["seq"] != float64(s.seq) {
					b.Errorf("client %d op %d: reply %v, %v", i, s.seq, m, err)
					return
				}
				s.version++
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
