package session

import "testing"

func TestBulk(t *testing.T) {
	e := newEnv(t, nil)
	a := dial(t, e, "me")
	a.sendRaw(`{"a":"op","c":"k","d":"a","seq":1,"create":{"type":"test-counter","data":0}}`)
	a.read()
	a.sendRaw(`{"a":"op","c":"k","d":"b","seq":2,"create":{"type":"test-counter","data":0}}`)
	a.read()
	a.sendRaw(`{"a":"op","c":"k","d":"a","v":1,"seq":3,"op":5}`)
	a.read()

	b := dial(t, e, "")
	b.sendRaw(`{"a":"bs","c":"k","b":["a","b","missing"]}`)
	b.expect(`{"data":{"a":{"v":2,"data":5,"type":"` + counterURI + `"},"b":{"v":1,"data":0,"type":"` + counterURI + `"},"missing":{"v":0,"type":null}},"a":"bs","c":"k"}`)
	a.sendRaw(`{"a":"op","c":"k","d":"b","v":1,"seq":4,"op":1}`)
	a.read()
	b.expect(`{"a":"op","c":"k","d":"b","v":1,"src":"me","seq":4,"op":1}`)
	b.sendRaw(`{"a":"bu","c":"k","b":["a","b","missing"]}`)
	b.expect(`{"a":"bu","c":"k","b":["a","b","missing"]}`)

	c := dial(t, e, "")
	c.sendRaw(`{"a":"bs","c":"k","b":{"a":1,"b":0}}`)
	c.expect(`{"a":"op","c":"k","d":"a","v":1,"src":"me","seq":3,"op":5}`)
	c.expect(`{"a":"op","c":"k","d":"b","v":0,"src":"me","seq":2,"create":{"type":"` + counterURI + `","data":0}}`)
	c.expect(`{"a":"op","c":"k","d":"b","v":1,"src":"me","seq":4,"op":1}`)
	c.expect(`{"a":"bs","c":"k","b":{"a":1,"b":0}}`)
	c.sendRaw(`{"a":"bf","c":"k","b":["b"]}`)
	c.expect(`{"data":{"b":{"v":2,"data":1,"type":"` + counterURI + `"}},"a":"bf","c":"k"}`)
	c.sendRaw(`{"a":"bs","c":"k","b":{"a":-1}}`)
	c.expect(`{"a":"bs","c":"k","b":{"a":-1},"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid version"}}`)
	c.sendRaw(`{"a":"bs","c":"k","b":"a"}`)
	c.expect(`{"a":"bs","c":"k","b":"a","error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid bulk subscribe data"}}`)
	c.sendRaw(`{"a":"bf","c":"k","b":["__proto__"]}`)
	c.expect(`{"a":"bf","c":"k","b":["__proto__"],"error":{"code":"ERR_MESSAGE_BADLY_FORMED","message":"Invalid id"}}`)
}
