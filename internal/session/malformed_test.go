package session

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestMalformedMessages(t *testing.T) {
	e := newEnv(t, nil)
	a := dial(t, e, "A")
	other := dial(t, e, "B")
	other.sendRaw(`{"a":"s","c":"k","d":"x"}`)
	other.read()
	cases := []struct{ in, want string }{
		{`{not json`, `{"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid JSON"}}`},
		{`[1,2]`, `{"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Message must be a JSON object"}}`},
		{`"str"`, `{"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Message must be a JSON object"}}`},
		{`{"a":"zz"}`, `{"a":"zz","error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid or unknown message"}}`},
		{`{}`, `{"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid or unknown message"}}`},
		{`{"a":"f","c":1,"d":"x"}`, `{"a":"f","c":1,"d":"x","error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid collection"}}`},
		{`{"a":"s","c":"k","d":["x"]}`, `{"a":"s","c":"k","d":["x"],"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid id"}}`},
		{`{"a":"f","c":"k","d":"x","v":"1"}`, `{"a":"f","c":"k","d":"x","v":"1","error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid version"}}`},
		{`{"a":"f","c":"k","d":"x","v":-1}`, `{"a":"f","c":"k","d":"x","v":-1,"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid version"}}`},
		{`{"a":"op","c":"k","d":"x","v":0,"seq":"1","op":1}`, `{"a":"op","c":"k","d":"x","v":0,"seq":"1","op":1,"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid seq"}}`},
		{`{"a":"op","c":"k","d":"x","v":0,"seq":9007199254740991,"op":1}`, `{"a":"op","c":"k","d":"x","v":0,"seq":9007199254740991,"op":1,"error":{"code":"ERR_CONNECTION_SEQ_INTEGER_OVERFLOW","message":"Connection seq has exceeded the max safe integer, maybe from being open for too long"}}`},
		{`{"a":"op","c":"k","d":"x","v":0,"seq":1}`, `{"a":"op","c":"k","d":"x","v":0,"seq":1,"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid op message"}}`},
		{`{"a":"op","c":"k","d":"x","seq":1,"del":1}`, `{"a":"op","c":"k","d":"x","seq":1,"del":1,"error":{"code":"ERR_OT_OP_BADLY_FORMED","message":"del value must be true"}}`},
		{`{"a":"op","c":"k","d":"x","seq":1,"create":"json0"}`, `{"a":"op","c":"k","d":"x","seq":1,"create":"json0","error":{"code":"ERR_OT_OP_BADLY_FORMED","message":"Create data must be an object"}}`},
		{`{"a":"op","c":"k","d":"x","src":7,"seq":1,"op":1}`, `{"a":"op","c":"k","d":"x","src":7,"seq":1,"op":1,"error":{"code":"ERR_OT_OP_BADLY_FORMED","message":"src must be a string"}}`},
		{`{"a":"hs","protocol":[1]}`, `{"a":"hs","protocol":[1],"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid protocol"}}`},
		{`{"a":"s","c":"k","d":"x","v":5}`, `{"a":"s","c":"k","d":"x"}`}, // a version from the future: no ops, empty reply
		{"{\"a\":\"zz\",\"s\":\"\\ud800\"}", `{"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid JSON"}}`},
	}
	for _, tc := range cases {
		a.sendRaw(tc.in)
		a.expect(tc.want)
	}
	// Everyone keeps working.
	a.sendRaw(`{"a":"op","c":"k","d":"x","seq":2,"create":{"type":"test-counter","data":0}}`)
	a.expect(`{"src":"A","seq":2,"v":0,"a":"op","c":"k","d":"x"}`)
	other.expect(`{"a":"op","c":"k","d":"x","v":0,"src":"A","seq":2,"create":{"type":"` + counterURI + `","data":0}}`)
}

func TestFrameLimitsAndBinary(t *testing.T) {
	e := newEnv(t, nil)
	healthy := dial(t, e, "")

	big := dial(t, e, "")
	frame := `{"a":"pp","pad":"` + strings.Repeat("x", 10<<20) + `"}`
	// Each write gets its own bound: compressing 16 MiB under -race on a
	// loaded machine can take many seconds, and a write cut short by its
	// context drops the connection before the server can answer.
	writeCtx := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		t.Cleanup(cancel)
		return ctx
	}
	_ = big.ws.Write(writeCtx(), websocket.MessageText, []byte(frame))
	if code := big.closeStatus(); code != CloseTooBig {
		t.Errorf("10 MB frame: close %v, want %v", code, CloseTooBig)
	}

	bin := dial(t, e, "")
	_ = bin.ws.Write(writeCtx(), websocket.MessageBinary, []byte(`{"a":"pp"}`))
	if code := bin.closeStatus(); code != CloseUnsupportedData {
		t.Errorf("binary frame: close %v, want %v", code, CloseUnsupportedData)
	}

	// A deflate bomb: 16 MiB of one byte compresses to a few KiB on the
	// wire, and the limit counts decompressed bytes.
	for _, mode := range []websocket.CompressionMode{websocket.CompressionContextTakeover, websocket.CompressionNoContextTakeover} {
		bomb := dialRaw(t, e.url, &websocket.DialOptions{CompressionMode: mode, CompressionThreshold: 1})
		payload := append(append([]byte(`{"a":"pp","pad":"`), bytes.Repeat([]byte("A"), 16<<20)...), `"}`...)
		_ = bomb.ws.Write(writeCtx(), websocket.MessageText, payload)
		if code := bomb.closeStatus(); code != CloseTooBig {
			t.Errorf("deflate bomb (mode %v): close %v, want %v", mode, code, CloseTooBig)
		}
	}

	healthy.sendRaw(`{"a":"pp"}`)
	healthy.expect(`{"a":"pp"}`)
}

func TestCompressionNegotiated(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Errorf("Sec-WebSocket-Extensions = %q, want permessage-deflate", ext)
	}
}

func TestUpgradeRefusals(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.OriginPatterns = []string{"good.example"} })
	hdr := func(mod func(http.Header)) http.Header {
		h := http.Header{}
		h.Set("Connection", "Upgrade")
		h.Set("Upgrade", "websocket")
		h.Set("Sec-WebSocket-Version", "13")
		h.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		mod(h)
		return h
	}
	cases := []struct {
		name string
		h    http.Header
		want int
	}{
		{"ok", hdr(func(http.Header) {}), http.StatusSwitchingProtocols},
		{"allowed origin", hdr(func(h http.Header) { h.Set("Origin", "https://good.example") }), http.StatusSwitchingProtocols},
		{"cross origin", hdr(func(h http.Header) { h.Set("Origin", "https://evil.example") }), http.StatusForbidden},
		{"origin suffix trick", hdr(func(h http.Header) { h.Set("Origin", "https://good.example.evil") }), http.StatusForbidden},
		{"bad key", hdr(func(h http.Header) { h.Set("Sec-WebSocket-Key", "short") }), http.StatusBadRequest},
		{"missing key", hdr(func(h http.Header) { h.Del("Sec-WebSocket-Key") }), http.StatusBadRequest},
		{"version 8", hdr(func(h http.Header) { h.Set("Sec-WebSocket-Version", "8") }), http.StatusUpgradeRequired},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest("GET", e.srv.URL, nil)
		req.Header = tc.h
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
		if tc.want == http.StatusUpgradeRequired && resp.Header.Get("Sec-WebSocket-Version") != "13" {
			t.Errorf("%s: Sec-WebSocket-Version header %q", tc.name, resp.Header.Get("Sec-WebSocket-Version"))
		}
	}
	// Refused upgrades opened nothing: only the two accepted ones were
	// registered (and are being closed by the server side as their
	// clients went away).
	e.m.connMu.Lock()
	n := len(e.m.conns)
	e.m.connMu.Unlock()
	if n > 2 {
		t.Errorf("%d connections registered, want at most 2", n)
	}
}
