package session

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// testPrincipal grants by collection/id prefix: read and write list
// "coll/prefix" entries.
type testPrincipal struct {
	name        string
	read, write []string
	expiry      time.Time
}

func (p *testPrincipal) match(list []string, coll, id string) bool {
	for _, g := range list {
		if strings.HasPrefix(coll+"/"+id, g) {
			return true
		}
	}
	return false
}

func (p *testPrincipal) CanRead(coll, id string) bool {
	return p.match(p.read, coll, id) || p.match(p.write, coll, id)
}
func (p *testPrincipal) CanWrite(coll, id string) bool { return p.match(p.write, coll, id) }
func (p *testPrincipal) Expiry() time.Time             { return p.expiry }

// testAuth maps "Authorization: Bearer NAME" to principals.
type testAuth map[string]*testPrincipal

func (a testAuth) Authenticate(r *http.Request) (Principal, error) {
	name := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if p, ok := a[name]; ok {
		return p, nil
	}
	if name == "" {
		return nil, errors.New("no bearer token")
	}
	return nil, errors.New("unknown token")
}

// fakeClock is a clock the test advances; AfterFunc callbacks run from
// Advance once due.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the clock and runs the callbacks that fell due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for _, t := range c.timers {
		if !t.stopped && !t.at.After(c.now) {
			t.stopped = true
			due = append(due, t.f)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

func (c *fakeClock) armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

func authEnv(t *testing.T, clock *fakeClock) *testEnv {
	t.Helper()
	users := testAuth{
		"writer":  {name: "writer", write: []string{"k/"}},
		"reader":  {name: "reader", read: []string{"k/"}},
		"partial": {name: "partial", read: []string{"k/open"}, write: []string{"k/open-w"}},
	}
	if clock != nil {
		users["short"] = &testPrincipal{name: "short", read: []string{"k/"}, expiry: clock.Now().Add(30 * time.Second)}
	}
	return newEnv(t, func(o *Options) {
		o.Authenticator = users
		if clock != nil {
			o.Now, o.AfterFunc = clock.Now, clock.AfterFunc
		}
	})
}

func dialAs(t *testing.T, e *testEnv, user string) *tclient {
	t.Helper()
	c := dialRaw(t, e.url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + user}}})
	c.send(map[string]any{"a": "hs", "protocol": 1, "protocolMinor": 2, "id": nil})
	r := c.read()
	if r["a"] != "hs" {
		t.Fatalf("hs reply = %v", r)
	}
	c.id = r["id"].(string)
	return c
}

func TestUpgradeWithoutCredentialsRefused(t *testing.T) {
	e := authEnv(t, nil)
	for _, h := range []http.Header{nil, {"Authorization": {"Bearer nobody"}}} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ws, resp, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPHeader: h})
		cancel()
		if err == nil {
			_ = ws.CloseNow()
			t.Fatalf("upgrade with %v accepted", h)
		}
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("upgrade with %v: %v, want 401", h, err)
		}
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
		}
	}
}

func TestReadOnlyPrincipalOpsRejected(t *testing.T) {
	e := authEnv(t, nil)
	w := dialAs(t, e, "writer")
	w.sendRaw(`{"a":"op","c":"k","d":"x","v":null,"seq":1,"create":{"type":"test-text","data":"hi"}}`)
	w.expect(`{"src":"` + w.id + `","seq":1,"v":0,"a":"op","c":"k","d":"x"}`)

	r := dialAs(t, e, "reader")
	r.sendRaw(`{"a":"f","c":"k","d":"x","v":null}`)
	r.expect(`{"data":{"v":1,"data":"hi","type":"` + textURI + `"},"a":"f","c":"k","d":"x"}`)
	r.sendRaw(`{"a":"s","c":"k","d":"x","v":null}`)
	r.expect(`{"data":{"v":1,"data":"hi","type":"` + textURI + `"},"a":"s","c":"k","d":"x"}`)
	rejected := `{"code":"ERR_OP_SUBMIT_REJECTED","message":"Write access denied"}`
	for _, in := range []string{
		`{"a":"op","c":"k","d":"x","v":1,"seq":1,"op":{"p":0,"i":"!"}}`,
		`{"a":"op","c":"k","d":"x","v":1,"seq":2,"del":true}`,
		`{"a":"op","c":"k","d":"new","v":null,"seq":3,"create":{"type":"test-text","data":"no"}}`,
	} {
		r.sendRaw(in)
		r.expect(in[:len(in)-1] + `,"error":` + rejected + `}`)
	}
	// The reader still receives the writer's ops on its subscription.
	w.sendRaw(`{"a":"op","c":"k","d":"x","v":1,"seq":2,"op":{"p":2,"i":"!"}}`)
	w.expect(`{"src":"` + w.id + `","seq":2,"v":1,"a":"op","c":"k","d":"x"}`)
	r.expect(`{"a":"op","c":"k","d":"x","v":1,"src":"` + w.id + `","seq":2,"op":{"i":"!","p":2}}`)
	if n := len(e.store.opsOf("k", "x")); n != 2 {
		t.Errorf("stored ops of k/x = %d, want 2 (the reader's were refused)", n)
	}
	if n := len(e.store.opsOf("k", "new")); n != 0 {
		t.Errorf("the reader created k/new (%d ops)", n)
	}
	s, err := e.m.Fetch(context.Background(), "k", "x")
	if err != nil || string(s.Data) != `"hi!"` {
		t.Errorf("k/x = %s, %v; want \"hi!\"", s.Data, err)
	}
}

func TestReadOutsideGrantRejected(t *testing.T) {
	e := authEnv(t, nil)
	w := dialAs(t, e, "writer")
	for i, id := range []string{"open", "secret", "open-w"} {
		w.sendRaw(`{"a":"op","c":"k","d":"` + id + `","v":null,"seq":` + string(rune('1'+i)) + `,"create":{"type":"test-text","data":"` + id + `"}}`)
		w.read()
	}
	p := dialAs(t, e, "partial")
	denied := `"error":{"code":"ERR_SNAPSHOT_READS_REJECTED","message":"Read access denied"}`
	for _, in := range []string{
		`{"a":"f","c":"k","d":"secret","v":null}`,
		`{"a":"s","c":"k","d":"secret","v":null}`,
		`{"a":"f","c":"k","d":"secret","v":0}`,
		`{"a":"nf","id":1,"c":"k","d":"secret","v":1}`,
		`{"a":"nt","id":2,"c":"k","d":"secret","ts":null}`,
		`{"a":"ps","ch":"k.secret","seq":1}`,
		`{"a":"pr","ch":"k.secret"}`,
		`{"a":"p","ch":"k.secret","id":"p1","c":"k","d":"secret","v":1,"t":"` + textURI + `","p":{"index":0},"pv":1}`,
		`{"a":"p","ch":"k.open","id":"p2","c":"k","d":"secret","v":1,"t":"` + textURI + `","p":{"index":0},"pv":1}`,
	} {
		p.sendRaw(in)
		p.expect(in[:len(in)-1] + `,` + denied + `}`)
	}
	// Bulk, array form: each refused document has its own error.
	p.sendRaw(`{"a":"bf","c":"k","b":["open","secret"]}`)
	p.expect(`{"data":{"open":{"v":1,"data":"open","type":"` + textURI + `"},"secret":{` + denied + `}},"a":"bf","c":"k"}`)
	// Object form with versions: the refused one is answered alone, the
	// rest as usual.
	p.sendRaw(`{"a":"bs","c":"k","b":{"open":1,"secret":1}}`)
	p.expect(`{"a":"s","c":"k","d":"secret",` + denied + `}`)
	p.expect(`{"a":"bs","c":"k","b":{"open":1}}`)
	// Queries leave the unreadable documents out.
	p.sendRaw(`{"a":"qf","id":7,"c":"k","q":{}}`)
	got := p.read()
	data, _ := got["data"].([]any)
	ids := []string{}
	for _, d := range data {
		ids = append(ids, d.(map[string]any)["d"].(string))
	}
	if strings.Join(ids, ",") != "open,open-w" {
		t.Errorf("query results = %v, want open,open-w", ids)
	}
	// The readable document still reads, and presence on it is allowed.
	p.sendRaw(`{"a":"f","c":"k","d":"open","v":null}`)
	p.expect(`{"data":{"v":1,"data":"open","type":"` + textURI + `"},"a":"f","c":"k","d":"open"}`)
	p.sendRaw(`{"a":"ps","ch":"k.open","seq":2}`)
	p.expect(`{"ch":"k.open","seq":2,"a":"ps"}`)
	// Write on open-w works, on open (read only) is refused.
	p.sendRaw(`{"a":"op","c":"k","d":"open-w","v":1,"seq":1,"op":{"p":0,"i":"+"}}`)
	p.expect(`{"src":"` + p.id + `","seq":1,"v":1,"a":"op","c":"k","d":"open-w"}`)
	p.sendRaw(`{"a":"op","c":"k","d":"open","v":1,"seq":2,"op":{"p":0,"i":"+"}}`)
	p.expect(`{"a":"op","c":"k","d":"open","v":1,"seq":2,"op":{"p":0,"i":"+"},"error":{"code":"ERR_OP_SUBMIT_REJECTED","message":"Write access denied"}}`)
}

func TestExpiryClosesLiveConnection(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	e := authEnv(t, clock)
	s := dialAs(t, e, "short")
	other := dialAs(t, e, "reader")
	s.sendRaw(`{"a":"pp"}`)
	s.expect(`{"a":"pp"}`)
	if clock.armed() != 1 {
		t.Fatalf("armed timers = %d, want 1 (the short token's expiry)", clock.armed())
	}
	clock.Advance(29 * time.Second)
	s.sendRaw(`{"a":"pp"}`)
	s.expect(`{"a":"pp"}`)
	clock.Advance(time.Second)
	if code := s.closeStatus(); code != CloseTokenExpired {
		t.Fatalf("close code = %d, want %d", code, CloseTokenExpired)
	}
	other.sendRaw(`{"a":"pp"}`)
	other.expect(`{"a":"pp"}`)
}

func TestRevokeClosesMatchingConnections(t *testing.T) {
	e := authEnv(t, nil)
	r := dialAs(t, e, "reader")
	w := dialAs(t, e, "writer")
	n := e.m.Revoke(func(p Principal) bool { return p.(*testPrincipal).name == "reader" })
	if n != 1 {
		t.Errorf("Revoke closed %d connections, want 1", n)
	}
	if code := r.closeStatus(); code != CloseTokenRevoked {
		t.Fatalf("close code = %d, want %d", code, CloseTokenRevoked)
	}
	w.sendRaw(`{"a":"pp"}`)
	w.expect(`{"a":"pp"}`)
}
