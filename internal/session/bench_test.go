package session

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkSubmit runs 8 clients, each submitting ops to its own document
// and waiting for each ack; ops/s is the server's commit rate.
func BenchmarkSubmit(b *testing.B) {
	e := newEnv(b, nil)
	const clients = 8
	cs := make([]*tclient, clients)
	for i := range cs {
		cs[i] = dial(b, e, "")
		cs[i].send(map[string]any{"a": "op", "c": "b", "d": fmt.Sprint(i), "seq": 1, "create": map[string]any{"type": "test-counter", "data": 0}})
		cs[i].read()
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/clients + 1
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &simClient{ws: c.ws}
			for n := 0; n < per; n++ {
				_ = s.write(map[string]any{"a": "op", "c": "b", "d": fmt.Sprint(i), "v": n + 1, "seq": n + 2, "op": 1})
				if _, err := s.readMsg(); err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*clients)/b.Elapsed().Seconds(), "ops/s")
}
