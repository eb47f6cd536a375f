package session

import (
	"bytes"
	"math"
	"strconv"

	"github.com/weftdev/weft/internal/ot"
)

// maxSeq is ShareDB's seq limit (Number.MAX_SAFE_INTEGER).
const maxSeq = 1<<53 - 1

// request is one decoded client message. raw is kept so that an error reply
// can echo the request byte for byte.
type request struct {
	raw []byte
	m   map[string]any
	a   string
}

// parseRequest decodes a frame. A frame that is not a JSON object gets an
// error and nil.
func parseRequest(data []byte) (*request, *shareErr) {
	v, err := ot.Decode(data)
	if err != nil {
		return nil, errf(CodeBadMessage, "Invalid JSON")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errf(CodeBadMessage, "Message must be a JSON object")
	}
	a, _ := m["a"].(string)
	return &request{raw: bytes.TrimSpace(data), m: m, a: a}, nil
}

// str returns the string field k; ok is false when k is present but not a
// string.
func (r *request) str(k string) (s string, present, ok bool) {
	v, present := r.m[k]
	if !present || v == nil {
		return "", false, true
	}
	s, ok = v.(string)
	return s, true, ok
}

// reqString returns the required non-empty string field k.
func (r *request) reqString(k, what string) (string, *shareErr) {
	s, present, ok := r.str(k)
	if !present || !ok || s == "" {
		return "", errf(CodeBadMessage, "Invalid "+what)
	}
	return s, nil
}

// version returns the optional non-negative integer field k; has is false
// when it is absent or null.
func (r *request) version(k string) (v int64, has bool, e *shareErr) {
	x, present := r.m[k]
	if !present || x == nil {
		return 0, false, nil
	}
	n, ok := toInt(x)
	if !ok || n < 0 {
		return 0, false, errf(CodeBadMessage, "Invalid version")
	}
	return n, true, nil
}

// toInt converts a JSON number holding an integer that fits a float64 exactly.
func toInt(x any) (int64, bool) {
	f, ok := x.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > maxSeq {
		return 0, false
	}
	return int64(f), true
}

// errorReply returns the request echoed with "error" added.
func (r *request) errorReply(e *shareErr) []byte {
	b := make([]byte, 0, len(r.raw)+64+len(e.Message))
	body := bytes.TrimSpace(r.raw[1 : len(r.raw)-1])
	b = append(b, '{')
	if len(body) > 0 {
		b = append(b, r.raw[1:len(r.raw)-1]...)
		b = append(b, ',')
	}
	b = append(b, `"error":`...)
	b = appendError(b, e)
	return append(b, '}')
}

func appendError(b []byte, e *shareErr) []byte {
	b = append(b, '{')
	if e.Code != "" {
		b = append(b, `"code":`...)
		b = ot.AppendString(b, e.Code)
		b = append(b, ',')
	}
	b = append(b, `"message":`...)
	b = ot.AppendString(b, e.Message)
	return append(b, '}')
}

// bareError is the reply to a frame that could not be parsed as an object.
func bareError(e *shareErr) []byte {
	return append(appendError([]byte(`{"error":`), e), '}')
}

// msg builds one outgoing JSON object in the field order given.
type msg struct{ b []byte }

func newMsg() *msg { return &msg{b: append(make([]byte, 0, 128), '{')} }

func (m *msg) key(k string) *msg {
	if len(m.b) > 1 {
		m.b = append(m.b, ',')
	}
	m.b = ot.AppendString(m.b, k)
	m.b = append(m.b, ':')
	return m
}

func (m *msg) str(k, v string) *msg {
	m.key(k).b = ot.AppendString(m.b, v)
	return m
}

func (m *msg) num(k string, v int64) *msg {
	m.key(k).b = strconv.AppendInt(m.b, v, 10)
	return m
}

func (m *msg) raw(k string, v []byte) *msg {
	m.key(k).b = append(m.b, v...)
	return m
}

// any appends a JSON tree value (as ot.Decode returns).
func (m *msg) any(k string, v any) *msg {
	m.key(k)
	b, err := ot.AppendJSON(m.b, v)
	if err != nil { // a decoded JSON tree always encodes; keep the frame valid
		b = append(m.b, "null"...)
	}
	m.b = b
	return m
}

func (m *msg) bytes() []byte { return append(m.b, '}') }

// snapshotJSON encodes a document snapshot as f/s/bulk/query replies carry
// it: {"v","data","type"}, type omitted for json0, type null and no data for
// a document that does not exist. id, when not empty, adds "d" (queries).
func snapshotJSON(id string, v int64, typ ot.Type, data []byte) []byte {
	m := newMsg().num("v", v)
	if typ == nil {
		if id != "" {
			m.str("d", id)
		}
		return m.raw("type", []byte("null")).bytes()
	}
	m.raw("data", data)
	if id != "" {
		m.str("d", id)
	}
	if typ.URI() != json0URI {
		m.str("type", typ.URI())
	}
	return m.bytes()
}

// json0URI is ShareDB's default type, whose URI snapshots omit.
const json0URI = "http://sharejs.org/types/JSONv0"

// opMessage encodes a committed op as broadcasts and catch-up carry it.
func opMessage(c, d string, op *ot.Op, edit []byte) []byte {
	m := newMsg().str("a", "op").str("c", c).str("d", d).num("v", op.Version)
	if op.Src != "" {
		m.str("src", op.Src).num("seq", op.Seq)
	}
	switch {
	case op.Create != nil:
		cm := newMsg().str("type", op.Create.Type)
		if op.Create.Data != nil {
			cm.any("data", op.Create.Data)
		}
		m.raw("create", cm.bytes())
	case op.Del:
		m.raw("del", []byte("true"))
	default:
		m.raw("op", edit)
	}
	return m.bytes()
}

// ackMessage encodes the ack of an op applied at version v.
func ackMessage(c, d, src string, seq, v int64) []byte {
	return newMsg().str("src", src).num("seq", seq).num("v", v).
		str("a", "op").str("c", c).str("d", d).bytes()
}

// docReply encodes a data-less f/s/u reply.
func docReply(a, c, d string) []byte {
	return newMsg().str("a", a).str("c", c).str("d", d).bytes()
}
