package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/ot/types"
)

// abuserAddr is the loopback source address the abusive client connects
// from; the well-behaved clients use 127.0.0.1.
const abuserAddr = "127.0.0.2"

// dialFrom opens a raw WebSocket from a given loopback source address; the
// HTTP status is returned for a refused upgrade.
func dialFrom(ctx context.Context, url, source string) (*websocket.Conn, int, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		if resp != nil {
			return nil, resp.StatusCode, err
		}
		return nil, 0, err
	}
	ws.SetReadLimit(64 << 20)
	return ws, resp.StatusCode, nil
}

// procMemKiB reads VmRSS and VmHWM (peak RSS) of pid, in KiB.
func procMemKiB(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read the server's memory: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = n
		case "VmHWM:":
			peak = n
		}
	}
	if rss == 0 || peak == 0 {
		t.Fatalf("no VmRSS/VmHWM in /proc/%d/status", pid)
	}
	return rss, peak
}

// abuseReport is what one flooding connection saw.
type abuseReport struct {
	rateLimited int // ERR_RATE_LIMITED replies
	acked       int // ops the server applied anyway (within the burst)
	closeCode   websocket.StatusCode
	closeReason string
	sent        int
}

// flood handshakes as id, then sends ops and presence on ws as fast as it
// can (at most max messages) while reading every reply, until the server
// closes it.
func flood(ctx context.Context, ws *websocket.Conn, id string, max int) abuseReport {
	var rep abuseReport
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				var ce websocket.CloseError
				if errors.As(err, &ce) {
					rep.closeCode, rep.closeReason = ce.Code, ce.Reason
				}
				return
			}
			var m struct {
				A     string `json:"a"`
				Src   string `json:"src"`
				Error *struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			if json.Unmarshal(b, &m) != nil {
				continue
			}
			switch {
			case m.Error != nil && m.Error.Code == "ERR_RATE_LIMITED":
				rep.rateLimited++
			case m.Error == nil && m.A == "op" && m.Src == id:
				rep.acked++
			}
		}
	}()
	junk := strings.Repeat("#", 10)
	_ = ws.Write(ctx, websocket.MessageText, []byte(`{"a":"hs","id":"`+id+`"}`))
	for i := 1; i <= max; i++ {
		msg := fmt.Sprintf(`{"a":"op","c":"flood","d":"shared","seq":%d,"op":["%s"]}`, i, junk)
		if i%2 == 0 {
			msg = fmt.Sprintf(`{"a":"p","ch":"flood","id":"spam","p":{"at":%d},"pv":%d}`, i, i)
		}
		if ws.Write(ctx, websocket.MessageText, []byte(msg)) != nil {
			break
		}
		rep.sent++
	}
	<-readDone // the server closes the connection
	return rep
}

// TestFloodLeavesOthersServed runs the built server with a per-IP limit of
// 16 and its default rate limits. One abusive client (from 127.0.0.2)
// opens connections past its limit and floods ops and presence as fast as
// it can, reconnecting each time it is cut off, while ten well-behaved
// clients (from 127.0.0.1) edit one document with bursts of ops and
// presence. Every well-behaved op must commit, the clients must converge
// on the stored document with dense versions, the abuser must get
// ERR_RATE_LIMITED and then close 1008 "rate limit exceeded", its extra
// connections must be refused with HTTP 429, and the server's memory must
// stay bounded.
func TestFloodLeavesOthersServed(t *testing.T) {
	const (
		perIP     = 16
		editors   = 10
		opsEach   = 100 // a burst: under the default burst of 200
		presEvery = 5
	)
	p := startBinary(t, t.TempDir(), "--max-connections-per-ip", strconv.Itoa(perIP))
	base, wsURL := "http://"+p.addr, "ws://"+p.addr+"/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The well-behaved editors connect and open the document.
	reg := types.Registry()
	conns := make([]*client.Conn, editors)
	docs := make([]*client.Doc, editors)
	for i := range conns {
		c, err := client.Dial(ctx, wsURL, client.Options{Registry: reg})
		if err != nil {
			t.Fatalf("editor %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i], docs[i] = c, c.Get("flood", "shared")
	}
	if err := docs[0].Create(ctx, "text-unicode", ""); err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		if err := d.Subscribe(ctx); err != nil {
			t.Fatalf("editor %d subscribe: %v", i, err)
		}
		if err := conns[i].SubscribePresence(ctx, "flood"); err != nil {
			t.Fatalf("editor %d presence: %v", i, err)
		}
	}
	rssBefore, _ := procMemKiB(t, p.cmd.Process.Pid)

	// The abuser takes every connection its address may hold, then asks
	// for more.
	var extra []*websocket.Conn
	t.Cleanup(func() {
		for _, ws := range extra {
			_ = ws.CloseNow()
		}
	})
	first, _, err := dialFrom(ctx, wsURL, abuserAddr)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < perIP; i++ {
		ws, code, err := dialFrom(ctx, wsURL, abuserAddr)
		if err != nil {
			t.Fatalf("abuser connection %d of %d: HTTP %d %v", i+1, perIP, code, err)
		}
		extra = append(extra, ws)
	}
	for i := 0; i < 5; i++ {
		if ws, code, _ := dialFrom(ctx, wsURL, abuserAddr); code != http.StatusTooManyRequests {
			if ws != nil {
				_ = ws.CloseNow()
			}
			t.Fatalf("abuser connection past the limit: HTTP %d, want 429", code)
		}
	}
	// One of them floods. Once cut off it keeps trying to reconnect, as
	// fast as it can, until the editors are done: its address is banned
	// for 30 s (the default), so every attempt should get 429.
	var editorsDone atomic.Bool
	type abuseResult struct {
		reps               []abuseReport
		refused, reconnect int
	}
	abuse := make(chan abuseResult, 1)
	go func() {
		var res abuseResult
		ws := first
		for attempt := 0; attempt < 20000 && ctx.Err() == nil; attempt++ {
			if ws != nil {
				res.reps = append(res.reps, flood(ctx, ws, fmt.Sprintf("abuser%d", len(res.reps)), 20000))
				ws = nil
			}
			if editorsDone.Load() {
				break
			}
			next, code, err := dialFrom(ctx, wsURL, abuserAddr)
			switch {
			case err == nil:
				ws = next
				res.reconnect++
			case code == http.StatusTooManyRequests:
				res.refused++
			}
		}
		abuse <- res
	}()

	// The editors type in bursts, with presence, all at once.
	var wg sync.WaitGroup
	errs := make(chan error, editors)
	for i := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < opsEach; n++ {
				if err := docs[i].Submit(ctx, []any{fmt.Sprintf("<%d.%d>", i, n)}); err != nil {
					errs <- fmt.Errorf("editor %d op %d: %w", i, n, err)
					return
				}
				if n%presEvery == 0 {
					if err := conns[i].SubmitPresence(ctx, "flood", "cursor", map[string]any{"n": n}); err != nil {
						errs <- fmt.Errorf("editor %d presence %d: %w", i, n, err)
						return
					}
				}
			}
		}()
	}
	// REST answers during the flood too.
	if code, body := httpGet(t, base+"/api/v1/docs/flood/shared"); code != http.StatusOK {
		t.Errorf("REST during the flood: %d %s", code, body)
	}
	wg.Wait()
	editorsDone.Store(true)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	res := <-abuse
	if t.Failed() {
		return
	}

	// The abuser was refused, then disconnected with the documented code,
	// and its reconnects were refused.
	reps := res.reps
	if len(reps) == 0 {
		t.Fatal("the abuser never flooded")
	}
	if res.refused == 0 {
		t.Errorf("no reconnect of the abuser was refused (%d succeeded)", res.reconnect)
	}
	for i, r := range reps {
		if r.rateLimited == 0 || r.closeCode != websocket.StatusPolicyViolation || r.closeReason != "rate limit exceeded" {
			t.Errorf("abuser round %d: %+v, want ERR_RATE_LIMITED replies then close 1008 \"rate limit exceeded\"", i, r)
		}
	}
	t.Logf("abuser: %d flooding connections; first: sent %d, %d applied (burst), %d refused before the close; %d reconnects refused with 429, %d accepted after the ban",
		len(reps), reps[0].sent, reps[0].acked, reps[0].rateLimited, res.refused, res.reconnect)

	// Every editor's op committed once, versions are dense, and every
	// editor shows the stored document.
	snap := restSnapshot(t, base)
	for i, d := range docs {
		if err := d.WaitVersion(ctx, snap.V); err != nil {
			t.Fatalf("editor %d never reached v%d: %v", i, snap.V, err)
		}
		data, err := d.Data()
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(data, snap.Data) {
			t.Fatalf("editor %d diverged:\n%s\nstored:\n%s", i, data, snap.Data)
		}
	}
	seen := map[string]int{}
	for from := int64(0); from < snap.V; from += 10000 {
		for j, op := range restOps(t, base, from) {
			if op.V != from+int64(j) {
				t.Fatalf("op log not dense: op %d has version %d", from+int64(j), op.V)
			}
			seen[op.Src]++
		}
	}
	for i, c := range conns {
		if n := seen[c.ID()]; n < opsEach {
			t.Errorf("editor %d: %d ops in the log, want %d", i, n, opsEach)
		}
	}

	// Memory stayed bounded (a generous ceiling for a race-built server;
	// the figures are logged).
	rssAfter, peak := procMemKiB(t, p.cmd.Process.Pid)
	t.Logf("server RSS: %d MiB before the flood, %d MiB after, peak %d MiB", rssBefore>>10, rssAfter>>10, peak>>10)
	if growth := peak - rssBefore; growth > 256<<10 {
		t.Errorf("server peak RSS grew by %d MiB during the flood, over the 256 MiB ceiling", growth>>10)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return fmt.Sprint(x) == fmt.Sprint(y)
}

type restSnap struct {
	V    int64           `json:"v"`
	Data json.RawMessage `json:"data"`
}

func restSnapshot(t *testing.T, base string) restSnap {
	t.Helper()
	code, body := httpGet(t, base+"/api/v1/docs/flood/shared")
	var s restSnap
	if code != http.StatusOK || json.Unmarshal([]byte(body), &s) != nil {
		t.Fatalf("REST snapshot: %d %.200s", code, body)
	}
	return s
}

type restOp struct {
	V   int64  `json:"v"`
	Src string `json:"src"`
}

func restOps(t *testing.T, base string, from int64) []restOp {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/docs/flood/shared/ops?from=%d", base, from))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Ops []restOp `json:"ops"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil {
		t.Fatalf("REST ops: %d %.200s", resp.StatusCode, b)
	}
	return r.Ops
}

// TestSlowHandshakeCutOff checks --handshake-timeout: connections that send
// nothing, stop halfway through their headers, or trickle them a byte at a
// time are closed by the server, while a normal client connects meanwhile.
func TestSlowHandshakeCutOff(t *testing.T) {
	p := startBinary(t, t.TempDir(), "--handshake-timeout", "1s")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	open := func() net.Conn {
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closedByServer reads until the server closes c (EOF, or a reset when
	// the client wrote after the close), bounded by 30 s.
	closedByServer := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err := io.Copy(io.Discard, c)
		return !errors.Is(err, os.ErrDeadlineExceeded)
	}
	silent := make([]net.Conn, 20)
	for i := range silent {
		silent[i] = open()
	}
	half := open()
	if _, err := half.Write([]byte("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")); err != nil {
		t.Fatal(err)
	}
	// The trickler sends one header byte per 100 ms (the attack's pace,
	// not a synchronisation), far more than 1 s worth.
	trickle := open()
	header := "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Padding: " + strings.Repeat("a", 300) + "\r\n\r\n"
	cut := make(chan int, 1)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := range len(header) {
			if _, err := trickle.Write([]byte{header[i]}); err != nil {
				cut <- i
				return
			}
			<-tick.C
		}
		cut <- len(header)
	}()

	// A normal client is served while those connections are held.
	c, err := client.Dial(ctx, "ws://"+p.addr+"/ws", client.Options{Registry: types.Registry()})
	if err != nil {
		t.Fatalf("normal client during the slow handshakes: %v", err)
	}
	defer c.Close()
	if err := c.Get("slow", "d").Create(ctx, "text-unicode", "ok"); err != nil {
		t.Fatal(err)
	}

	for i, s := range silent {
		if !closedByServer(s) {
			t.Fatalf("silent connection %d was not closed", i)
		}
	}
	if !closedByServer(half) {
		t.Fatal("connection with half its headers was not closed")
	}
	if !closedByServer(trickle) {
		t.Fatal("trickling connection was not closed")
	}
	if n := <-cut; n >= len(header) {
		t.Fatalf("the trickler sent all %d header bytes without being cut off", n)
	}
}

// TestAPIRateLimit runs the built server with a small REST rate limit: a
// client past its burst gets 429 with Retry-After, while the API goes on
// answering another address.
func TestAPIRateLimit(t *testing.T) {
	p := startBinary(t, t.TempDir(), "--store", "memory", "--api-rate", "0.01", "--api-burst", "3")
	url := "http://" + p.addr + "/api/v1/docs/notes/none"
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(abuserAddr)}}
	abuser := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	get := func(c *http.Client) (int, http.Header, string) { return httpGetWith(t, c, url) }
	for i := range 3 {
		if code, _, body := get(abuser); code != http.StatusNotFound {
			t.Fatalf("request %d within the burst: %d %s, want 404 (no such document)", i+1, code, body)
		}
	}
	code, h, body := get(abuser)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "ERR_RATE_LIMITED") {
		t.Fatalf("past the burst: %d %s, want 429 ERR_RATE_LIMITED", code, body)
	}
	if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", h.Get("Retry-After"))
	}
	if code, _, body := get(http.DefaultClient); code != http.StatusNotFound {
		t.Errorf("another address: %d %s, want 404", code, body)
	}
	if _, m := httpGet(t, "http://"+p.addr+"/metrics"); !strings.Contains(m, `weft_rejected_messages_total{reason="api_rate"} 1`) {
		t.Errorf("the refusal is not counted in weft_rejected_messages_total:\n%s", m)
	}
}
