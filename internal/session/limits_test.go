package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/weftdev/weft/internal/ot/types"
)

// limitClock is a clock for the rate limits that moves only when told.
type limitClock struct {
	mu sync.Mutex
	t  time.Time
}

func newLimitClock() *limitClock { return &limitClock{t: time.Unix(1_700_000_000, 0)} }

func (c *limitClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *limitClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// dialStatus dials and returns the HTTP status of a refused upgrade (101
// and the connection when it succeeds).
func dialStatus(t *testing.T, url string, hdr http.Header) (int, *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return resp.StatusCode, nil
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	return resp.StatusCode, ws
}

func TestConnectionsPerIP(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxConnectionsPerIP = 2 })
	var open []*websocket.Conn
	for i := 0; i < 2; i++ {
		code, ws := dialStatus(t, e.url, nil)
		if code != http.StatusSwitchingProtocols {
			t.Fatalf("connection %d: HTTP %d, want 101", i+1, code)
		}
		open = append(open, ws)
	}
	if code, _ := dialStatus(t, e.url, nil); code != http.StatusTooManyRequests {
		t.Fatalf("third connection from one address: HTTP %d, want 429", code)
	}
	// Closing one frees its slot once the server has finished with it:
	// retry (each attempt is a full HTTP round trip), bounded in count and
	// time.
	_ = open[0].Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 0; ; attempt++ {
		code, _ := dialStatus(t, e.url, nil)
		if code == http.StatusSwitchingProtocols {
			break
		}
		if code != http.StatusTooManyRequests || attempt > 5000 || time.Now().After(deadline) {
			t.Fatalf("after a close: HTTP %d, want 101 within 10 s", code)
		}
	}
}

func TestConnectionsPerIPBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.MaxConnectionsPerIP = 1
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	from := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
	if code, _ := dialStatus(t, e.url, from("203.0.113.7")); code != http.StatusSwitchingProtocols {
		t.Fatalf("first client: HTTP %d", code)
	}
	if code, _ := dialStatus(t, e.url, from("203.0.113.7")); code != http.StatusTooManyRequests {
		t.Fatalf("same client again: HTTP %d, want 429", code)
	}
	if code, _ := dialStatus(t, e.url, from("198.51.100.1, 203.0.113.8")); code != http.StatusSwitchingProtocols {
		t.Fatalf("another client (spoofed left entry ignored): HTTP %d", code)
	}

	// Without trusted proxies the header is ignored: every connection
	// counts against the socket's address.
	plain := newEnv(t, func(o *Options) { o.MaxConnectionsPerIP = 1 })
	if code, _ := dialStatus(t, plain.url, from("203.0.113.1")); code != http.StatusSwitchingProtocols {
		t.Fatalf("untrusted peer, first: HTTP %d", code)
	}
	if code, _ := dialStatus(t, plain.url, from("203.0.113.2")); code != http.StatusTooManyRequests {
		t.Fatalf("untrusted peer with a different X-Forwarded-For: HTTP %d, want 429", code)
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	cases := []struct {
		remote string
		xff    []string
		want   string
	}{
		{"192.0.2.1:5000", nil, "192.0.2.1"},
		{"192.0.2.1:5000", []string{"203.0.113.9"}, "192.0.2.1"}, // peer not trusted
		{"10.0.0.2:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"10.0.0.2:5000", []string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"},  // client-forged left entry
		{"10.0.0.2:5000", []string{"203.0.113.9, 10.0.0.3"}, "203.0.113.9"}, // two trusted hops
		{"10.0.0.2:5000", []string{"203.0.113.9", "10.0.0.3"}, "203.0.113.9"},
		{"10.0.0.2:5000", []string{"10.0.0.4, 10.0.0.3"}, "10.0.0.4"}, // all trusted: the leftmost
		{"10.0.0.2:5000", []string{"garbage"}, "10.0.0.2"},
		{"10.0.0.2:5000", nil, "10.0.0.2"},
		{"10.0.0.2:5000", []string{"[2001:db8::1]:443"}, "2001:db8::"},
		{"[2001:db8:1:2:3:4:5:6]:80", nil, "2001:db8:1:2::"}, // IPv6 per /64
		{"[::ffff:192.0.2.5]:80", nil, "192.0.2.5"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientIP(r, trusted); got.String() != tc.want {
			t.Errorf("ClientIP(%s, %q) = %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestMaxConnectionsCloses1013(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxConnections = 1 })
	first := dial(t, e, "")
	extra := dialRaw(t, e.url, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := extra.ws.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != CloseTryAgainLater || ce.Reason != "too many connections" {
		t.Fatalf("connection over MaxConnections: %v, want close 1013 \"too many connections\"", err)
	}
	first.sendRaw(`{"a":"pp"}`)
	first.expect(`{"a":"pp"}`)
}

// createCounter creates k/x as a counter with seq 1.
func createCounter(c *tclient, d string) {
	c.sendRaw(`{"a":"op","c":"k","d":"` + d + `","seq":1,"create":{"type":"test-counter","data":0}}`)
	c.read()
}

func TestOpRateLimit(t *testing.T) {
	clk := newLimitClock()
	e := newEnv(t, func(o *Options) {
		o.limitNow = clk.Now
		o.OpRate, o.OpBurst = 10, 10
		o.RateStrikes, o.RateStrikeWindow = 3, 10*time.Second
	})
	a := dial(t, e, "A")
	createCounter(a, "x") // 1 token
	seq := 1
	add := func() map[string]any {
		seq++
		a.sendRaw(fmt.Sprintf(`{"a":"op","c":"k","d":"x","seq":%d,"op":1}`, seq))
		return a.read()
	}
	for i := 0; i < 9; i++ { // the rest of the burst
		if r := add(); r["error"] != nil {
			t.Fatalf("op %d within the burst: %v", i+2, r)
		}
	}
	// Just under the rate (one op per 110 ms at 10/s) never runs out.
	for i := 0; i < 50; i++ {
		clk.Advance(110 * time.Millisecond)
		if r := add(); r["error"] != nil {
			t.Fatalf("op at 0.9x the rate refused: %v", r)
		}
	}
	// Just over it (one per 90 ms, bucket empty after a burst) is refused.
	clk.Advance(time.Second)
	for i := 0; i < 10; i++ {
		add()
	}
	clk.Advance(90 * time.Millisecond)
	if r := add(); r["error"] == nil || r["error"].(map[string]any)["code"] != CodeRateLimited {
		t.Fatalf("op at 1.1x the rate: %v, want %s", r, CodeRateLimited)
	}
	// The refusal echoes the op's identity but not its content.
	if r := add(); r["seq"] != float64(seq) || r["d"] != "x" || r["op"] != nil {
		t.Fatalf("refusal = %v", r)
	}
	// The refused ops were not applied: 1 + 9 + 50 + 10 committed.
	s, err := e.m.Fetch(context.Background(), "k", "x")
	if err != nil || string(s.Data) != "69" || s.Version != 70 {
		t.Fatalf("document after refusals: v%d %s (%v), want v70 69", s.Version, s.Data, err)
	}
	// The third strike within the window closes the connection (its own
	// refusal may not be delivered: closing drops queued replies).
	seq++
	a.sendRaw(fmt.Sprintf(`{"a":"op","c":"k","d":"x","seq":%d,"op":1}`, seq))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ce websocket.CloseError
	for {
		if _, _, err := a.ws.Read(ctx); err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("read: %v, want a close frame", err)
			}
			break
		}
	}
	if ce.Code != CloseRateLimited || ce.Reason != "rate limit exceeded" {
		t.Fatalf("close %d %q, want %d \"rate limit exceeded\"", ce.Code, ce.Reason, CloseRateLimited)
	}
	// Its address may not reconnect for RateLimitBan (default 30 s).
	if code, _ := dialStatus(t, e.url, nil); code != http.StatusTooManyRequests {
		t.Fatalf("reconnect right after the close: HTTP %d, want 429", code)
	}
	clk.Advance(29 * time.Second)
	if code, _ := dialStatus(t, e.url, nil); code != http.StatusTooManyRequests {
		t.Fatalf("reconnect 29 s after the close: HTTP %d, want 429", code)
	}
	clk.Advance(2 * time.Second)
	if code, _ := dialStatus(t, e.url, nil); code != http.StatusSwitchingProtocols {
		t.Fatalf("reconnect 31 s after the close: HTTP %d, want 101", code)
	}
}

func TestRateStrikesExpire(t *testing.T) {
	clk := newLimitClock()
	e := newEnv(t, func(o *Options) {
		o.limitNow = clk.Now
		o.PresenceRate, o.PresenceBurst = 1, 1
		o.RateStrikes, o.RateStrikeWindow = 2, 10*time.Second
	})
	a := dial(t, e, "A")
	for round := 0; round < 5; round++ {
		clk.Advance(11 * time.Second) // a new window, a full bucket
		a.sendRaw(`{"a":"pr","ch":"room"}`)
		a.expect(`{"a":"pr"}`)
		a.sendRaw(`{"a":"pr","ch":"room"}`) // one strike per window: never closed
		a.expect(`{"a":"pr","ch":"room","error":{"code":"ERR_RATE_LIMITED","message":"Too many messages: slow down"}}`)
	}
	a.sendRaw(`{"a":"pp"}`)
	a.expect(`{"a":"pp"}`)
}

func TestPresenceRateLimit(t *testing.T) {
	clk := newLimitClock()
	e := newEnv(t, func(o *Options) {
		o.limitNow = clk.Now
		o.PresenceRate, o.PresenceBurst = 5, 5
		o.RateStrikes = 2
		o.RateLimitBan = -1
	})
	a := dial(t, e, "A")
	b := dial(t, e, "B")
	b.sendRaw(`{"a":"ps","ch":"room","seq":1}`)
	b.read()
	for i := 0; i < 5; i++ {
		a.sendRaw(fmt.Sprintf(`{"a":"p","ch":"room","id":"c","p":%d,"pv":%d}`, i, i))
		a.read()
		b.expect(fmt.Sprintf(`{"a":"p","ch":"room","src":"A","id":"c","p":%d,"pv":%d}`, i, i))
	}
	a.sendRaw(`{"a":"p","ch":"room","id":"c","p":99,"pv":5}`)
	a.expect(`{"a":"p","ch":"room","id":"c","pv":5,"error":{"code":"ERR_RATE_LIMITED","message":"Too many messages: slow down"}}`)
	a.sendRaw(`{"a":"p","ch":"room","id":"c","p":98,"pv":6}`)
	if code := a.closeStatus(); code != CloseRateLimited {
		t.Fatalf("close %v, want %v", code, CloseRateLimited)
	}
	// Without a ban the address may reconnect at once.
	dial(t, e, "A2")
	// B never saw the refused presence, and is still served.
	b.sendRaw(`{"a":"pp"}`)
	b.expect(`{"a":"pp"}`)
}

func TestSubscriptionLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxSubscriptions = 3 })
	a := dial(t, e, "A")
	refused := func(req string) {
		t.Helper()
		a.sendRaw(req)
		r := a.read()
		if em, _ := r["error"].(map[string]any); em == nil || em["code"] != CodeTooManySubscriptions {
			t.Fatalf("%s: %v, want %s", req, r, CodeTooManySubscriptions)
		}
	}
	a.sendRaw(`{"a":"s","c":"k","d":"1"}`)
	a.expect(`{"a":"s","c":"k","d":"1","data":{"v":0,"type":null}}`)
	a.sendRaw(`{"a":"s","c":"k","d":"2"}`)
	a.read()
	refused(`{"a":"bs","c":"k","b":["3","4"]}`)   // 2 more would make 4
	a.sendRaw(`{"a":"bs","c":"k","b":["1","3"]}`) // only 3 is new
	a.read()
	refused(`{"a":"s","c":"k","d":"4"}`)
	refused(`{"a":"qs","c":"k","id":1,"q":{}}`)
	refused(`{"a":"ps","ch":"room","seq":1}`)
	a.sendRaw(`{"a":"s","c":"k","d":"1"}`) // already subscribed: fine
	a.expect(`{"a":"s","c":"k","d":"1","data":{"v":0,"type":null}}`)
	a.sendRaw(`{"a":"f","c":"k","d":"9"}`) // fetches are not subscriptions
	a.expect(`{"a":"f","c":"k","d":"9","data":{"v":0,"type":null}}`)
	a.sendRaw(`{"a":"u","c":"k","d":"1"}`)
	a.expect(`{"a":"u","c":"k","d":"1"}`)
	// Refused requests subscribed nothing: 2, 3 and the room make 3.
	a.sendRaw(`{"a":"ps","ch":"room","seq":1}`)
	a.expect(`{"ch":"room","seq":1,"a":"ps"}`)
	refused(`{"a":"s","c":"k","d":"5"}`)
}

func TestOpSizeLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxOpBytes = 1024 })
	a := dial(t, e, "A")
	a.sendRaw(`{"a":"op","c":"k","d":"t","seq":1,"create":{"type":"test-text","data":"ab"}}`)
	a.read()
	big := `{"a":"op","c":"k","d":"t","v":1,"seq":2,"op":{"p":0,"i":"` + strings.Repeat("x", 2000) + `"}}`
	a.sendRaw(big)
	a.expect(`{"a":"op","c":"k","d":"t","v":1,"seq":2,"error":{"code":"ERR_OP_TOO_LARGE","message":"Op is too large"}}`)
	a.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":3,"op":{"p":0,"i":"z"}}`)
	a.expect(`{"src":"A","seq":3,"v":1,"a":"op","c":"k","d":"t"}`)
	s, _ := e.m.Fetch(context.Background(), "k", "t")
	if string(s.Data) != `"zab"` {
		t.Fatalf("document = %s, want \"zab\"", s.Data)
	}
}

func TestDocSizeLimit(t *testing.T) {
	st := newMemStore()
	reg := types.Registry()
	env := func(limit int64) *testEnv {
		return newEnvWith(t, st, nil, func(o *Options) { o.Registry, o.MaxDocBytes = reg, limit })
	}
	e := env(200)
	a := dial(t, e, "A")
	seq := 0
	submit := func(c *tclient, d, body string) map[string]any {
		t.Helper()
		seq++
		c.sendRaw(fmt.Sprintf(`{"a":"op","c":"k","d":"%s","seq":%d,%s}`, d, seq, body))
		return c.read()
	}
	code := func(r map[string]any) any {
		em, _ := r["error"].(map[string]any)
		return em["code"]
	}
	chunk := strings.Repeat("a", 30)
	// text-unicode: inserts accepted up to the limit (the encoding is the
	// text plus two quotes), the one past it refused.
	submit(a, "t", `"create":{"type":"text-unicode","data":""}`)
	for i := 0; i < 6; i++ {
		if r := submit(a, "t", `"op":["`+chunk+`"]`); code(r) != nil {
			t.Fatalf("insert %d: %v", i, r)
		}
	}
	if r := submit(a, "t", `"op":["`+chunk+`"]`); code(r) != CodeDocTooLarge {
		t.Fatalf("insert past 200 bytes: %v, want %s", r, CodeDocTooLarge)
	}
	s, _ := e.m.Fetch(context.Background(), "k", "t")
	if s.Version != 7 || len(s.Data) != 182 {
		t.Fatalf("after the refusal: v%d, %d bytes; want v7, 182 bytes", s.Version, len(s.Data))
	}
	if r := submit(a, "t", `"op":[{"d":100}]`); code(r) != nil { // deletes are fine
		t.Fatalf("delete: %v", r)
	}
	if r := submit(a, "t", `"op":["`+chunk+`"]`); code(r) != nil {
		t.Fatalf("insert after the delete: %v", r)
	}

	// json0 and a create over the limit.
	if r := submit(a, "j", `"create":{"type":"json0","data":{"s":"`+strings.Repeat("b", 300)+`"}}`); code(r) != CodeDocTooLarge {
		t.Fatalf("create of 300 bytes: %v", r)
	}
	submit(a, "j", `"create":{"type":"json0","data":{"l":[]}}`)
	for i := 0; ; i++ {
		r := submit(a, "j", `"op":[{"p":["l",0],"li":"`+chunk+`"}]`)
		if code(r) == CodeDocTooLarge {
			break
		}
		if code(r) != nil || i > 10 {
			t.Fatalf("json0 insert %d: %v", i, r)
		}
	}
	s, _ = e.m.Fetch(context.Background(), "k", "j")
	if len(s.Data) > 200 {
		t.Fatalf("json0 document is %d bytes, over the limit", len(s.Data))
	}

	// rich-text: formatting a range can grow a document far beyond the
	// op's size (each run gets the attributes); it is measured and refused.
	runs := make([]string, 0, 4)
	for i := 0; i < 4; i++ {
		attr := ""
		if i%2 == 0 {
			attr = `,"attributes":{"b":true}`
		}
		runs = append(runs, `{"insert":"xy"`+attr+`}`)
	}
	submit(a, "r", `"create":{"type":"rich-text","data":[`+strings.Join(runs, ",")+`]}`)
	s, _ = e.m.Fetch(context.Background(), "k", "r")
	before := string(s.Data)
	if r := submit(a, "r", `"op":[{"retain":8,"attributes":{"c":"`+strings.Repeat("z", 40)+`"}}]`); code(r) != CodeDocTooLarge {
		t.Fatalf("formatting that grows the document past the limit: %v", r)
	}
	s, _ = e.m.Fetch(context.Background(), "k", "r")
	if string(s.Data) != before || s.Version != 1 {
		t.Fatalf("rich-text document changed by a refused op: v%d %s", s.Version, s.Data)
	}
	if r := submit(a, "r", `"op":[{"retain":2,"attributes":{"i":true}}]`); code(r) != nil {
		t.Fatalf("small formatting: %v", r)
	}
	// Measured right after a measure (its size known exactly), again.
	s, _ = e.m.Fetch(context.Background(), "k", "r")
	before = string(s.Data)
	if r := submit(a, "r", `"op":[{"retain":8,"attributes":{"c":"`+strings.Repeat("z", 40)+`"}}]`); code(r) != CodeDocTooLarge {
		t.Fatalf("formatting past the limit after a measured op: %v", r)
	}
	if s, _ = e.m.Fetch(context.Background(), "k", "r"); string(s.Data) != before || s.Version != 2 {
		t.Fatalf("rich-text document changed by a refused op: v%d %s", s.Version, s.Data)
	}

	// A document already over a (lowered) limit may shrink but not grow.
	small := env(50)
	b := dial(t, small, "B")
	if r := submit(b, "t", `"op":["x"]`); code(r) != CodeDocTooLarge {
		t.Fatalf("growing an oversized document: %v", r)
	}
	if r := submit(b, "t", `"op":[{"d":10}]`); code(r) != nil {
		t.Fatalf("shrinking an oversized document: %v", r)
	}
}

func TestLimitOptionsRejected(t *testing.T) {
	for _, mod := range []func(*Options){
		func(o *Options) { o.OpBurst = -1 },
		func(o *Options) { o.PresenceBurst = -2 },
		func(o *Options) { o.RateStrikeWindow = -time.Second },
	} {
		o := Options{Store: newMemStore(), Registry: testRegistry()}
		mod(&o)
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted bad limits", o)
		}
	}
}
