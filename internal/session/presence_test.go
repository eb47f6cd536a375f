package session

import (
	"testing"

	"github.com/coder/websocket"
)

func TestChannelPresence(t *testing.T) {
	e := newEnv(t, nil)
	a := dial(t, e, "A")
	b := dial(t, e, "B")
	b.sendRaw(`{"a":"ps","ch":"room","seq":1}`)
	b.expect(`{"ch":"room","seq":1,"a":"ps"}`)
	a.sendRaw(`{"a":"ps","ch":"room","seq":1}`)
	b.expect(`{"a":"pr","ch":"room"}`)
	a.expect(`{"ch":"room","seq":1,"a":"ps"}`)
	a.sendRaw(`{"a":"p","ch":"room","id":"cursor-a","p":{"x":1},"pv":0}`)
	b.expect(`{"a":"p","ch":"room","src":"A","id":"cursor-a","p":{"x":1},"pv":0}`)
	a.expect(`{"a":"p","ch":"room","src":"A","id":"cursor-a","p":{"x":1},"pv":0}`)
	a.sendRaw(`{"a":"pr","ch":"room"}`)
	a.expect(`{"a":"pr"}`)
	b.expect(`{"a":"pr","ch":"room"}`)
	a.sendRaw(`{"a":"pu","ch":"room","seq":2}`)
	a.expect(`{"ch":"room","seq":2,"a":"pu"}`)
	b.expect(`{"a":"p","ch":"room","src":"A","id":"cursor-a","p":null,"pv":0,"seq":null}`)

	// Leaving by disconnect broadcasts null too.
	c := dial(t, e, "C")
	c.sendRaw(`{"a":"ps","ch":"room","seq":1}`)
	b.expect(`{"a":"pr","ch":"room"}`)
	c.expect(`{"ch":"room","seq":1,"a":"ps"}`)
	c.sendRaw(`{"a":"p","ch":"room","id":"cc","p":"here","pv":3}`)
	c.expect(`{"a":"p","ch":"room","src":"C","id":"cc","p":"here","pv":3}`)
	b.expect(`{"a":"p","ch":"room","src":"C","id":"cc","p":"here","pv":3}`)
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	b.expect(`{"a":"p","ch":"room","src":"C","id":"cc","p":null,"pv":3,"seq":null}`)

	b.sendRaw(`{"a":"p","ch":"room","id":5,"p":1,"pv":0}`)
	b.expect(`{"a":"p","ch":"room","id":5,"p":1,"pv":0,"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid presence ID"}}`)
	b.sendRaw(`{"a":"ps","seq":1}`)
	b.expect(`{"a":"ps","seq":1,"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid presence channel"}}`)
}

func TestDocPresence(t *testing.T) {
	e := newEnv(t, nil)
	a := dial(t, e, "A")
	b := dial(t, e, "B")
	a.sendRaw(`{"a":"op","c":"k","d":"t","seq":1,"create":{"type":"test-text","data":"hello"}}`)
	a.read()
	a.sendRaw(`{"a":"op","c":"k","d":"n","seq":2,"create":{"type":"test-counter","data":1}}`)
	a.read()
	b.sendRaw(`{"a":"ps","ch":"k.t","seq":1}`)
	b.expect(`{"ch":"k.t","seq":1,"a":"ps"}`)
	// b's cursor at index 3 on v1; a inserts at 0 meanwhile: the server
	// moves the stale presence to v2, index 5.
	a.sendRaw(`{"a":"op","c":"k","d":"t","v":1,"seq":3,"op":{"p":0,"i":">>"}}`)
	a.read()
	b.sendRaw(`{"a":"p","ch":"k.t","id":"pb","p":{"index":3},"pv":0,"c":"k","d":"t","v":1,"t":"` + textURI + `"}`)
	b.expect(`{"a":"p","ch":"k.t","src":"B","id":"pb","p":{"index":5},"pv":0,"c":"k","d":"t","v":2,"t":"` + textURI + `"}`)
	in := `{"a":"p","ch":"k.n","id":"pn","p":{"index":1},"pv":0,"c":"k","d":"n","v":1,"t":"` + counterURI + `"}`
	a.sendRaw(in)
	a.expect(in[:len(in)-1] + `,"error":{"code":"ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE","message":"Type does not support presence: ` + counterURI + `"}}`)
}
