package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
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
// With person=P, the same applies only to the connections of requests whose
// User-Agent carries "weft-person/P" (that person's network dropping, as
// the server sees it: the browser's own offline mode may keep a closing
// socket's keepalive answered); the reply's body is the number of
// connections closed.
type outageProxy struct {
	addr    string // where clients connect
	control string // the control endpoint's URL

	mu    sync.Mutex
	down  bool
	off   map[string]bool     // people whose network is cut
	conns map[net.Conn]string // open connections (both sides), by person ("" until known)
}

// personMark precedes a person's name in a User-Agent.
const personMark = "weft-person/"

// startOutageProxy proxies a fresh loopback port to backend until cleanup.
func startOutageProxy(t *testing.T, backend string) *outageProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &outageProxy{addr: ln.Addr().String(), conns: map[net.Conn]string{}, off: map[string]bool{}}
	ctl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST ?down=1 or ?down=0, with &person=P for one person's connections", http.StatusMethodNotAllowed)
			return
		}
		down := r.URL.Query().Get("down") == "1"
		if person := r.URL.Query().Get("person"); person != "" {
			fmt.Fprint(w, p.setPersonDown(person, down))
			return
		}
		p.setDown(down)
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

// setPersonDown cuts (closing their open connections) or restores one
// person's connections; it returns the number of connections closed.
func (p *outageProxy) setPersonDown(person string, down bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.off[person] = down
	n := 0
	if down {
		for c, who := range p.conns {
			if who == person {
				_ = c.Close()
				n++
			}
		}
	}
	return n
}

// track registers c as person's unless an outage is on for them; it
// reports whether it did.
func (p *outageProxy) track(c net.Conn, person string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down || p.off[person] {
		return false
	}
	p.conns[c] = person
	return true
}

func (p *outageProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

// readHead reads the head of the first HTTP request on a connection (up to
// its blank line, at most 64 KiB) and the person its User-Agent names.
func readHead(r *bufio.Reader) (head []byte, person string, err error) {
	for len(head) < 64<<10 {
		line, err := r.ReadSlice('\n')
		head = append(head, line...)
		if err != nil {
			return head, person, err
		}
		if ua, ok := bytes.CutPrefix(bytes.ToLower(line), []byte("user-agent:")); ok {
			if _, after, ok := bytes.Cut(ua, []byte(personMark)); ok {
				name, _, _ := bytes.Cut(bytes.TrimSpace(after), []byte(" "))
				person = string(name)
			}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			return head, person, nil
		}
	}
	return head, person, errors.New("request head over 64 KiB")
}

// serve pipes client to a new connection to backend until either side ends.
func (p *outageProxy) serve(client net.Conn, backend string) {
	defer client.Close()
	if !p.track(client, "") {
		return
	}
	defer p.untrack(client)
	br := bufio.NewReader(client)
	head, person, err := readHead(br)
	if err != nil || !p.track(client, person) {
		return
	}
	up, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer up.Close()
	if !p.track(up, person) {
		return
	}
	defer p.untrack(up)
	if _, err := up.Write(head); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, up); done <- struct{}{} }()
	<-done
	_ = client.Close()
	_ = up.Close()
	<-done
}
