package session

import (
	"encoding/json"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

// TestParseRemote checks that the payloads encodeRemote writes are split
// exactly as encoding/json decodes them, that other spellings of the same
// object still decode, and that broken payloads are refused.
func TestParseRemote(t *testing.T) {
	m := &Manager{instance: "a1b2", remotePrefix: []byte(`{"wi":"a1b2"`)}
	for _, tc := range []struct {
		ts  int64
		msg string
	}{
		{0, `{"a":"op","c":"k","d":"x","v":3,"src":"s","seq":1,"op":[2,"é😀"]}`},
		{1733450000123, `{"a":"op","c":"k","d":"x","v":0,"create":{"type":"t","data":{"m":"}"}}}`},
		{-5, `{}`},
	} {
		b := m.encodeRemote(tc.ts, []byte(tc.msg))
		got, ok := parseRemote(b)
		var want remoteOp
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("encodeRemote wrote invalid JSON %s: %v", b, err)
		}
		if !ok || got.Instance != want.Instance || got.Ts != want.Ts || string(got.Msg) != string(want.Msg) {
			t.Errorf("parseRemote(%s) = %+v %v, want %+v", b, got, ok, want)
		}
	}
	for _, in := range []string{
		`{"ts":7,"m":{"a":"op"},"wi":"x"}`,    // keys in another order
		`{"wi":"a\"b","ts":7,"m":{"a":"op"}}`, // an escaped instance id
		`{"wi":"x", "ts":7, "m":{"a":"op"}}`,  // spaces
		`{"wi":"x","ts":7.0,"m":{"a":"op"}}`,  // not an integer: encoding/json refuses it too
	} {
		got, ok := parseRemote([]byte(in))
		var want remoteOp
		wantOK := json.Unmarshal([]byte(in), &want) == nil
		if ok != wantOK || ok && (got.Instance != want.Instance || got.Ts != want.Ts || string(got.Msg) != string(want.Msg)) {
			t.Errorf("parseRemote(%s) = %+v %v, want %+v %v", in, got, ok, want, wantOK)
		}
	}
	for _, in := range []string{``, `{"wi":"x","ts":1,"m":`, `{"wi":"x","ts":,"m":{}}`, `not json`, `{"wi":"x","ts":1,"m":{}`} {
		// The op message itself is checked by decodeOpMessage.
		if r, ok := parseRemote([]byte(in)); ok {
			if _, err := decodeOpMessage(r.Msg); err == nil {
				t.Errorf("parseRemote(%q) and decodeOpMessage accepted a broken payload", in)
			}
		}
	}
}

// TestEditOf: the edit is found in messages as opMessage writes them,
// whatever the names before it hold, and in no other message.
func TestEditOf(t *testing.T) {
	edit := []byte(`[{"p":["op"],"op":1},",\"op\":"]`)
	for _, c := range []struct{ coll, id, src string }{
		{"c", "d", "s"},
		{`,"op":`, `"op":{`, `x,"op":y`},
	} {
		op := &ot.Op{Version: 3, Src: c.src, Seq: 4}
		msg := opMessage(c.coll, c.id, op, edit)
		if got := editOf(msg); string(got) != string(edit) {
			t.Errorf("editOf(%s) = %s, want %s", msg, got, edit)
		}
	}
	for _, msg := range []string{
		`{"a":"op","c":"c","d":"d","v":0,"create":{"type":"t","data":{"op":1}}}`,
		`{"a":"op","c":"c","d":"d","v":1,"del":true}`,
		`{"a":"op","c":"c","d":"d","v":1,"op":[1]`,
		``,
	} {
		if got := editOf([]byte(msg)); got != nil {
			t.Errorf("editOf(%s) = %s, want nil", msg, got)
		}
	}
}
