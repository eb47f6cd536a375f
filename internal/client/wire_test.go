package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/weftdev/weft/internal/client"
)

// fakeServer hands each accepted WebSocket to the test, which scripts the
// server side frame by frame.
func fakeServer(t *testing.T) (url string, conns <-chan *websocket.Conn) {
	ch := make(chan *websocket.Conn, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		ch <- ws
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), ch
}

func expect(t *testing.T, ctx context.Context, ws *websocket.Conn, want string) {
	t.Helper()
	_, got, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if string(got) != want {
		t.Errorf("client sent\n %s\nwant\n %s", got, want)
	}
}

func send(t *testing.T, ctx context.Context, ws *websocket.Conn, frame string) {
	t.Helper()
	if err := ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// TestWireFrames checks the exact frames: handshake with a null and then
// the adopted id, a create with v null and no src, an edit with v and the
// next seq, and the resend after a reconnect with src and the same seq.
func TestWireFrames(t *testing.T) {
	ctx := testCtx(t)
	url, conns := fakeServer(t)
	dialed := make(chan *client.Conn, 1)
	go func() {
		c, err := client.Dial(ctx, url, client.Options{Registry: testRegistry(t)})
		if err != nil {
			t.Errorf("dial: %v", err)
		}
		dialed <- c
	}()
	ws := <-conns
	expect(t, ctx, ws, `{"a":"hs","id":null,"protocol":1,"protocolMinor":2}`)
	send(t, ctx, ws, `{"a":"init","protocol":1,"protocolMinor":2,"id":"srv1","type":"http://sharejs.org/types/JSONv0"}`)
	send(t, ctx, ws, `{"a":"hs","protocol":1,"protocolMinor":2,"id":"srv1","type":"http://sharejs.org/types/JSONv0"}`)
	c := <-dialed
	if c == nil {
		t.FailNow()
	}
	defer c.Close()
	d := c.Get("c", "x")
	created := make(chan error, 1)
	go func() { created <- d.Create(ctx, "json0", map[string]any{"n": 0.0}) }()
	expect(t, ctx, ws, `{"a":"op","c":"c","d":"x","v":null,"seq":1,"x":{},"create":{"type":"json0","data":{"n":0}}}`)
	send(t, ctx, ws, `{"src":"srv1","seq":1,"v":0,"a":"op","c":"c","d":"x"}`)
	if err := <-created; err != nil {
		t.Fatalf("create: %v", err)
	}
	done, err := d.SubmitAsync(ctx, na("n", 1))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, ctx, ws, `{"a":"op","c":"c","d":"x","v":1,"seq":2,"x":{},"op":[{"na":1,"p":["n"]}]}`)
	ws.CloseNow()
	<-c.Disconnected()

	reconnected := make(chan error, 1)
	go func() { reconnected <- c.Reconnect(ctx) }()
	ws = <-conns
	defer ws.CloseNow()
	expect(t, ctx, ws, `{"a":"hs","id":"srv1","protocol":1,"protocolMinor":2}`)
	send(t, ctx, ws, `{"a":"hs","protocol":1,"protocolMinor":2,"id":"srv1","type":"http://sharejs.org/types/JSONv0"}`)
	if err := <-reconnected; err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	expect(t, ctx, ws, `{"a":"op","c":"c","d":"x","v":1,"src":"srv1","seq":2,"x":{},"op":[{"na":1,"p":["n"]}]}`)
	send(t, ctx, ws, `{"src":"srv1","seq":2,"v":1,"a":"op","c":"c","d":"x"}`)
	if err := <-done; err != nil {
		t.Fatalf("submit: %v", err)
	}
	if v, _ := d.Version(); v != 2 || dataOf(t, d) != `{"n":1}` {
		t.Errorf("after ack: v%d %s", v, dataOf(t, d))
	}
}

// TestHandshakeRejectsBadReply checks the client's checks of the hs reply.
func TestHandshakeRejectsBadReply(t *testing.T) {
	ctx := testCtx(t)
	url, conns := fakeServer(t)
	errc := make(chan error, 1)
	go func() {
		_, err := client.Dial(ctx, url, client.Options{Registry: testRegistry(t), ID: "mine"})
		errc <- err
	}()
	ws := <-conns
	defer ws.CloseNow()
	expect(t, ctx, ws, `{"a":"hs","id":"mine","protocol":1,"protocolMinor":2}`)
	send(t, ctx, ws, `{"a":"hs","protocol":2,"protocolMinor":0,"id":"mine","type":"http://sharejs.org/types/JSONv0"}`)
	if err := <-errc; client.ErrorCode(err) != "ERR_PROTOCOL_VERSION_NOT_SUPPORTED" {
		t.Errorf("dial with protocol 2: %v", err)
	}
}
