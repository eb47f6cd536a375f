package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// outageProxy is a TCP proxy in front of a server whose connections a test
// can cut: POST {control}?down=1 closes every proxied connection and
// refuses new ones until ?down=0 (a server outage, as browsers see it).
type outageProxy struct {
	addr    string // where clients connect
	control string // the control endpoint's URL

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

// startOutageProxy proxies a fresh loopback port to backend until cleanup.
func startOutageProxy(t *testing.T, backend string) *outageProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &outageProxy{addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	ctl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST ?down=1 or ?down=0", http.StatusMethodNotAllowed)
			return
		}
		p.setDown(r.URL.Query().Get("down") == "1")
		w.WriteHeader(http.StatusNoContent)
	}))
	p.control = ctl.URL
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.serve(c, backend)
			}()
		}
	}()
	t.Cleanup(func() {
		ctl.Close()
		_ = ln.Close()
		p.setDown(true)
		wg.Wait()
	})
	return p
}

// setDown starts (closing every open connection) or ends an outage.
func (p *outageProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			_ = c.Close()
		}
	}
}

// track registers c unless an outage is on; it reports whether it did.
func (p *outageProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *outageProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

// serve pipes client to a new connection to backend until either side ends.
func (p *outageProxy) serve(client net.Conn, backend string) {
	defer client.Close()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	up, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer up.Close()
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, client); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, up); done <- struct{}{} }()
	<-done
	_ = client.Close()
	_ = up.Close()
	<-done
}
